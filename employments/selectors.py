"""Reads of employments for pages."""

from __future__ import annotations

from dataclasses import dataclass

from units.item_rows import VISIBILITY_NOTES, item_dates

from .eligibility import Eligibility, employment_eligibility
from .models import Employment


@dataclass(frozen=True)
class EmploymentRow:
    employment: Employment
    eligibility: Eligibility
    state: str  # the ledger's state, or "" when never written
    state_label: str
    put_code: int | None
    error: str
    can_approve: bool  # a "Put it on ORCID" button makes sense
    can_decline: bool


def employment_dates(employment: Employment) -> str:
    """The employment's fuzzy start and end dates in words (units.item_rows.item_dates)."""
    return item_dates(employment)


def employments_for_dashboard(*, researcher) -> list[EmploymentRow]:
    """The researcher's employments that a unit lists, or that are on ORCID, with their state.
    Two queries whatever the count."""
    employments = (
        Employment.objects.filter(researcher=researcher)
        .select_related("unit", "orcid_item")
        .order_by("-start_year", "-start_month", "local_id")
    )
    rows = []
    for employment in employments:
        item = getattr(employment, "orcid_item", None)
        if employment.removed_at is not None and (item is None or item.state != "on_orcid"):
            continue  # gone from HR and from ORCID: nothing to show
        eligibility = employment_eligibility(employment)
        state = item.state if item else ""
        # What the sync does next is the planner's to say (the ledger row asks it).
        action = (
            item.sync_action(eligible=eligibility.eligible, approved_at=employment.approved_at) if item is not None
            else ("create" if eligibility.eligible else "nothing")
        )
        if state in ("", "pending", "withdrawn"):
            label = "Will be added to your ORCID record" if action == "create" else " ".join(eligibility.reasons)
        elif state == "on_orcid" and action == "delete":
            label = "On your ORCID record; will be removed at the next update"
        else:
            label = item.get_state_display()
        if state == "on_orcid" and item.visibility in VISIBILITY_NOTES:
            label = f"{label} ({VISIBILITY_NOTES[item.visibility]})"
        deleted_on_orcid = state == "deleted_on_orcid"
        rows.append(EmploymentRow(
            employment=employment,
            eligibility=eligibility,
            state=state,
            state_label=label,
            put_code=item.put_code if item else None,
            error=item.last_error_message if item and state == "error" else "",
            # "Put it on ORCID" only where it changes something: the unit asks for approval,
            # the researcher said no before, or deleted it on ORCID and wants it back.
            can_approve=employment.removed_at is None and (
                deleted_on_orcid
                or employment.approved is False
                or (employment.approved is None and employment.unit.requires_approval)
            ),
            can_decline=employment.removed_at is None and employment.approved is not False,
        ))
    return rows
