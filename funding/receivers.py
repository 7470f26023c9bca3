"""Funding's answers to the signals of the apps below it (units)."""

from __future__ import annotations

from django.dispatch import receiver

from units.signals import unit_items_withdraw_requested

from .models import Funding


@receiver(unit_items_withdraw_requested, dispatch_uid="funding-unit-items-withdraw")
def _unit_items_withdraw(sender, unit, now, **kwargs) -> dict[str, int]:
    marked = Funding.objects.filter(unit=unit, removed_at__isnull=True).update(removed_at=now, updated_at=now)
    return {"funding": marked}
