"""Rows of a researcher's items for pages, shared by every kind with a unit and a ledger row
(employment-like affiliations, funding): the dashboard's state and the researcher's yes/no.

`item_rows` works for any item with `removed_at`, `approved`, `unit` and a ledger `orcid_item`
(read by attribute only: this module imports no kind's app, so sibling kinds share it from
below; issue 10 layers). `item_dates` prints an item's fuzzy start and end dates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

VISIBILITY_NOTES = {"private": "only you can see it there", "limited": "visible to trusted parties only"}


@dataclass(frozen=True)
class ItemRow:
    obj: Any
    state: str  # the ledger's state, or "" when never written
    state_label: str
    put_code: int | None
    error: str
    can_approve: bool  # a "Put it on ORCID" button makes sense
    can_decline: bool


def fuzzy_date(year, month, day) -> str:
    """A fuzzy date as ORCID keeps it: 2020, 2020-03 or 2020-03-07; "" without a year."""
    if not year:
        return ""
    return "-".join([f"{year:04d}"] + [f"{part:02d}" for part in (month, day) if part])


def item_dates(obj) -> str:
    start = fuzzy_date(obj.start_year, obj.start_month, obj.start_day)
    end = fuzzy_date(obj.end_year, obj.end_month, obj.end_day)
    if start and end:
        return f"{start} to {end}"
    if start:
        return f"since {start}"
    return f"until {end}" if end else ""


def _label(item, eligibility) -> str:
    state = item.state if item else ""
    if item is None or state in ("pending", "withdrawn"):
        label = "Will be added to your ORCID record" if eligibility.eligible else " ".join(eligibility.reasons)
    elif state == "on_orcid" and not eligibility.eligible:
        label = "On your ORCID record; will be removed at the next update"
    else:
        label = item.get_state_display()
    if state == "on_orcid" and item.visibility in VISIBILITY_NOTES:
        label = f"{label} ({VISIBILITY_NOTES[item.visibility]})"
    return label


def item_rows(objects: Iterable, eligibility_of: Callable) -> list[ItemRow]:
    """Rows for the dashboard: what a unit lists, or what is still on ORCID, with its state."""
    rows = []
    for obj in objects:
        item = getattr(obj, "orcid_item", None)
        if obj.removed_at is not None and (item is None or item.state != "on_orcid"):
            continue  # gone from the unit and from ORCID: nothing to show
        eligibility = eligibility_of(obj)
        state = item.state if item else ""
        rows.append(ItemRow(
            obj=obj,
            state=state,
            state_label=_label(item, eligibility),
            put_code=item.put_code if item else None,
            error=item.last_error_message if item and state == "error" else "",
            can_approve=obj.removed_at is None and (
                state == "deleted_on_orcid"
                or obj.approved is False
                or (obj.approved is None and obj.unit.requires_approval)
            ),
            can_decline=obj.removed_at is None and obj.approved is not False,
        ))
    return rows
