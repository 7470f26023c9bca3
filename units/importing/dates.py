"""ORCID's fuzzy dates (YYYY, YYYY-MM, YYYY-MM-DD) as every kind with dates reads them, and the
ending of a snapshot for kinds with start and end dates (employments, the affiliation sections,
funding): an item the file no longer lists ends on the import's date."""

from __future__ import annotations

import datetime as dt
import re

from .kinds import REMOVE, Ending

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


DATE_FIELDS = ("start_year", "start_month", "start_day", "end_year", "end_month", "end_day")


def date_end(values: dict, today: dt.date):
    """How a snapshot ends an item with start_/end_ year, month and day fields that it no
    longer lists: its end date becomes `today`; nothing when it ended by then; REMOVE when it has
    not begun (ORCID refuses an end before the start, error 9055, and what never began is no
    history to keep)."""
    now = (today.year, today.month, today.day)
    end = (values["end_year"], values["end_month"], values["end_day"])
    start = (values["start_year"], values["start_month"], values["start_day"])
    if end[0] is not None and fuzzy_dates_in_order(end, now):
        return None
    if start[0] is not None and not fuzzy_dates_in_order(start, now):
        return REMOVE
    return {"end_year": today.year, "end_month": today.month, "end_day": today.day}


# The Ending of a kind whose model has DATE_FIELDS.
DATE_ENDING = Ending(fields=DATE_FIELDS, end=date_end)
