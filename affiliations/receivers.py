"""Affiliations' answers to the signals of the apps below it (units)."""

from __future__ import annotations

from django.dispatch import receiver

from units.signals import unit_items_withdraw_requested

from .models import Affiliation


@receiver(unit_items_withdraw_requested, dispatch_uid="affiliations-unit-items-withdraw")
def _unit_items_withdraw(sender, unit, now, **kwargs) -> dict[str, int]:
    marked = Affiliation.objects.filter(unit=unit, removed_at__isnull=True).update(removed_at=now, updated_at=now)
    return {"affiliations": marked}
