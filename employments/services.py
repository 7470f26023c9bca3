"""Writes for employments: the date rules HR's file and the admin share, and the researcher's
choice. HR's import is employments/importers.py (the importer framework's employments kind)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record
from units.importing.dates import FuzzyDate, fuzzy_date_check, fuzzy_date_parse, fuzzy_dates_in_order

from .models import Employment

# The date rules are the importer framework's (units/importing/dates.py), shared by every kind
# with dates; Employment.clean and HR's import use them from here too.
__all__ = ["FuzzyDate", "employment_choose", "fuzzy_date_check", "fuzzy_date_parse", "fuzzy_dates_in_order"]


def employment_choose(*, employment: Employment, researcher, approved: bool) -> Employment:
    """The researcher says whether `employment` goes on their ORCID record.

    Only its own researcher may choose (PermissionError otherwise). Approving again after
    deleting the item on ORCID moves `approved_at` past the deletion, which is what lets the
    sync write it again (a deletion on ORCID is otherwise final).
    """
    if employment.researcher_id != researcher.pk:
        raise PermissionError("An employment can be approved only by its own researcher.")
    employment.approved = approved
    employment.approved_at = timezone.now()
    employment.save(update_fields=["approved", "approved_at", "updated_at"])
    consent_record(items=[employment], kind="employment", approved=approved, by=researcher,
                   via=ConsentEvent.Via.PAGE)
    return employment


def __getattr__(name: str):
    # HR's import moved to employments/importers.py (issue 10); its names are still found here.
    if name in {"COLUMNS", "RowOutcome", "_row_parse", "employments_import", "employments_import_text"}:
        from . import importers

        return getattr(importers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
