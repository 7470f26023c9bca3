"""Writes for employments: the date rules HR's file and the admin share, and the researcher's
choice. HR's import is employments/importers.py (the importer framework's employments kind)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record

from .models import Employment

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

FuzzyDate = tuple[int | None, int | None, int | None]


def fuzzy_date_parse(text: str) -> FuzzyDate:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as (year, month, day); empty text is (None, None, None).
    Raises ValueError with a reason for anything else, or a date ORCID refuses (years 1900–2100)."""
    text = (text or "").strip()
    if not text:
        return (None, None, None)
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    date = tuple(int(part) if part else None for part in match.groups())
    try:
        fuzzy_date_check(date)
    except ValueError as problem:
        raise ValueError(f"'{text}': {problem}") from None
    return date


def fuzzy_date_check(date: FuzzyDate) -> None:
    """Raises ValueError unless (year, month, day) is a date ORCID takes: each part needs the
    one before, years 1900 to 2100, and a real day of the calendar."""
    year, month, day = date
    if year is None:
        if month is not None or day is not None:
            raise ValueError("a month or day needs a year")
        return
    if not 1900 <= year <= 2100:
        raise ValueError("ORCID accepts years 1900 to 2100")
    if month is None:
        if day is not None:
            raise ValueError("a day needs a month")
        return
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    if day is not None:
        try:
            dt.date(year, month, day)
        except ValueError:
            raise ValueError("not a day of the calendar") from None


def fuzzy_dates_in_order(start: FuzzyDate, end: FuzzyDate) -> bool:
    """Whether ORCID takes `end` as not before `start`. ORCID compares the dates as written,
    an unknown month or day counting as 0, so "2020-05" to "2020" is refused (error 9055)
    although it could be read as fine: HR must give the end date at least as precisely."""
    if start[0] is None or end[0] is None:
        return True
    return tuple(part or 0 for part in end) >= tuple(part or 0 for part in start)


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
