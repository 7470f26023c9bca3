"""Writes of the reports app: the weekly adoption snapshot."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import AdoptionSnapshot
from .selectors import adoption_report, item_kinds


def _values(row: dict) -> dict:
    return {
        "researchers": row["researchers"],
        "connected": row["connected"],
        "items_on_orcid": sum(row.get(f"items_on_orcid_{kind}", 0) for kind in item_kinds()),
        "items_failing": row["items_failing"],
        "data": row,
    }


def adoption_snapshot_take(*, on=None) -> int:
    """Record today's adoption (or `on`'s): one snapshot for the institution and one per unit,
    replacing any taken the same day. Returns the number of snapshots written."""
    from units.models import Unit

    on = on or timezone.localdate()
    report = adoption_report()
    units = {unit.code: unit for unit in Unit.objects.all()}
    with transaction.atomic():
        AdoptionSnapshot.objects.filter(taken_on=on).delete()
        rows = [AdoptionSnapshot(taken_on=on, unit=None, **_values(report["total"]))]
        rows += [
            AdoptionSnapshot(taken_on=on, unit=units[row["unit"]], **_values(row))
            for row in report["units"] if row["unit"] in units
        ]
        AdoptionSnapshot.objects.bulk_create(rows)
    return len(rows)
