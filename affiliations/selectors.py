"""Reads of affiliations for pages: the dashboard's rows, one list per section.

The row logic shared with funding (`ItemRow`, `item_rows`, `item_dates`) lives below the kinds
in units/item_rows.py; it is re-exported here for the affiliations' own callers."""

from __future__ import annotations

from units.item_rows import VISIBILITY_NOTES, ItemRow, item_dates, item_rows

from .eligibility import affiliation_eligibility
from .models import Affiliation, Section

__all__ = ["VISIBILITY_NOTES", "ItemRow", "affiliation_sections_for_dashboard", "affiliation_title",
           "item_dates", "item_rows"]


def affiliation_sections_for_dashboard(*, researcher) -> list[tuple[str, str, list[ItemRow]]]:
    """(section value, section label, rows) for each section the researcher has. Two queries."""
    affiliations = (
        Affiliation.objects.filter(researcher=researcher)
        .select_related("unit", "orcid_item")
        .order_by("section", "-start_year", "-start_month", "local_id")
    )
    rows = item_rows(affiliations, affiliation_eligibility)
    sections = []
    for value, label in Section.choices:
        section_rows = [row for row in rows if row.obj.section == value]
        if section_rows:
            sections.append((value, label, section_rows))
    return sections


def affiliation_title(affiliation) -> str:
    """Role and organisation, as the API and the admin name an affiliation of any section (an
    `Affiliation`, or an `employments.Employment`, which has no section of its own)."""
    section = getattr(affiliation, "get_section_display", None)
    role = affiliation.role_title or affiliation.department or (section() if section else "Employment")
    return f"{role}, {affiliation.organization().name}".strip(", ")
