"""The sync's answers to the signals of the apps below it (they do not import the sync)."""

from __future__ import annotations

from django.dispatch import receiver

from connections.signals import items_withdraw_requested

from . import services


@receiver(items_withdraw_requested, dispatch_uid="putcodes-withdraw-items")
def _withdraw_items(sender, user, **kwargs) -> int:
    # Looked up on the front at call time (tests replace it there).
    return services.researcher_withdraw_items(researcher=user)
