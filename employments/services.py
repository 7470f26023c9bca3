"""Writes for employments: HR's import (CONTRACT §3) and the researcher's choice.

HR's file is a full snapshot of the unit: every current and past employment HR wants on
ORCID. So an import upserts by (unit, local_id) and, by default, marks the unit's
employments that the file no longer lists as removed (`removed_at`); the next sync then
deletes them from ORCID through the ledger. A row that comes back later is restored.
Partial files (only this week's changes) are imported with `prune=False`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record
from units.models import Unit

from .models import Employment

COLUMNS = ("institutional_id", "local_id", "department", "role_title", "start_date", "end_date")
TEXT_MAX = 1000  # ORCID's limit for department-name and role-title
LOCAL_ID_MAX = 200
BATCH_SIZE = 500
# Pruning more than this share of a unit's current employments in one import is refused
# unless asked for: a truncated export must not withdraw a whole university from ORCID.
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MIN = 10

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_USERNAME = re.compile(r"^[\w.@+-]+$")

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


@dataclass
class RowError:
    line: int
    local_id: str
    reason: str


@dataclass(frozen=True)
class RowOutcome:
    """What the import did with one row: created, updated, unchanged, restored or rejected."""

    line: int
    local_id: str
    outcome: str
    reason: str = ""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0
    removed: int = 0
    rejected: list[RowError] = field(default_factory=list)
    removed_local_ids: list[str] = field(default_factory=list)
    prune_refused: str = ""

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.restored + len(self.rejected)

    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} "
            f"restored={self.restored} removed={self.removed} rejected={len(self.rejected)}"
        )


@dataclass(frozen=True)
class _Row:
    line: int
    institutional_id: str
    local_id: str
    department: str
    role_title: str
    start: FuzzyDate
    end: FuzzyDate


def _row_parse(line: int, raw: dict) -> _Row:
    """A CSV row checked and normalised; ValueError says what is wrong with it."""
    def value(name: str) -> str:
        return (raw.get(name) or "").strip()

    institutional_id = value("institutional_id").lower()
    local_id = value("local_id")
    if not institutional_id:
        raise ValueError("institutional_id is empty")
    if len(institutional_id) > 150 or not _USERNAME.match(institutional_id):
        raise ValueError(f"institutional_id '{institutional_id[:40]}' is not a valid institutional ID")
    if not local_id:
        raise ValueError("local_id is empty")
    if len(local_id) > LOCAL_ID_MAX:
        raise ValueError(f"local_id is longer than {LOCAL_ID_MAX} characters")
    department, role_title = value("department"), value("role_title")
    for name, text in (("department", department), ("role_title", role_title)):
        if len(text) > TEXT_MAX:
            raise ValueError(f"{name} is longer than ORCID's {TEXT_MAX} characters")
    if not department and not role_title:
        raise ValueError("department and role_title are both empty")
    try:
        start = fuzzy_date_parse(value("start_date"))
    except ValueError as error:
        raise ValueError(f"start_date {error}") from None
    try:
        end = fuzzy_date_parse(value("end_date"))
    except ValueError as error:
        raise ValueError(f"end_date {error}") from None
    if end[0] is not None and start[0] is None:
        raise ValueError("end_date without a start_date")
    if not fuzzy_dates_in_order(start, end):
        raise ValueError(
            "end_date is before start_date (ORCID compares them as written: give the end date at least "
            "as precisely as the start date)"
        )
    return _Row(line, institutional_id, local_id, department, role_title, start, end)


def _rows_read(lines: Iterable[str]) -> Iterator[tuple[int, dict | None, str]]:
    """(line number, row, error) for each record; the header is line 1, as editors count.
    A record spanning lines (a quoted newline) is numbered by its first line."""
    reader = csv.DictReader(lines)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            f"The file's header lacks the column(s) {', '.join(missing)}; expected: {', '.join(COLUMNS)}."
        )
    reader.fieldnames = header
    previous_end = reader.line_num
    for raw in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if None in raw:  # more cells than the header has names
            yield line, None, f"{len(header) + len(raw[None])} cells for {len(header)} columns"
            continue
        yield line, raw, ""


class _Researchers:
    """User ids by institutional ID, looked up a batch at a time; users HR names for the first
    time are created (with no usable password) as for works: they sign in later through the
    institutional login."""

    def __init__(self) -> None:
        self.model = get_user_model()
        self.ids: dict[str, int] = {}

    def prefetch(self, institutional_ids: Iterable[str]) -> None:
        wanted = {i for i in institutional_ids if i and i not in self.ids}
        if not wanted:
            return
        if len(self.ids) > 200_000:  # bounded memory on very large files
            self.ids.clear()
        self.ids.update(self.model.objects.filter(username__in=wanted).values_list("username", "pk"))
        missing = sorted(wanted - self.ids.keys())
        if missing:
            unusable = make_password(None)
            self.model.objects.bulk_create(
                [self.model(username=name, password=unusable) for name in missing], ignore_conflicts=True
            )
            self.ids.update(self.model.objects.filter(username__in=missing).values_list("username", "pk"))

    def get(self, institutional_id: str) -> int:
        if institutional_id not in self.ids:
            self.prefetch([institutional_id])
        return self.ids[institutional_id]


def _fields(row: _Row) -> dict:
    return {
        "department": row.department,
        "role_title": row.role_title,
        "start_year": row.start[0],
        "start_month": row.start[1],
        "start_day": row.start[2],
        "end_year": row.end[0],
        "end_month": row.end[1],
        "end_day": row.end[2],
    }


def employments_import(
    *,
    unit: Unit,
    lines: Iterable[str],
    prune: bool = True,
    allow_mass_removal: bool = False,
    progress: Callable[[int], None] | None = None,
    on_row: Callable[[RowOutcome], None] | None = None,
) -> ImportReport:
    """Import HR's CSV (`lines`, already decoded) into `unit`'s employments.

    Upserts by (unit, local_id), keeping the researcher's choice (`approved`); a bad row is
    reported with its line number and reason and the others are kept. With `prune`, the
    unit's employments the file does not list get `removed_at` (the sync deletes them from
    ORCID), unless the file had no good row or would remove more than half of the unit's
    current employments without `allow_mass_removal` (then nothing is removed and
    `report.prune_refused` says why). Rows of a local_id that belongs to another researcher
    are refused: the item is on that researcher's record.
    `on_row` is called with each row's outcome, in the file's order.
    Raises ValidationError when the header lacks a column (nothing is imported).
    """
    report = ImportReport()
    existing: dict[str, Employment] = {e.local_id: e for e in Employment.objects.filter(unit=unit)}
    seen: dict[str, int] = {}  # local_id -> line
    researchers = _Researchers()
    batch: list[tuple[int, dict | None, str]] = []

    def flush() -> None:
        creates: list[Employment] = []
        with transaction.atomic():
            researchers.prefetch(
                (raw.get("institutional_id") or "").strip().lower() for _, raw, error in batch if raw and not error
            )
            for line, raw, error in batch:
                outcome = _row_import(unit=unit, line=line, raw=raw, error=error, existing=existing, seen=seen,
                                      researchers=researchers, report=report, creates=creates)
                if on_row is not None:
                    on_row(outcome)
            if creates:
                Employment.objects.bulk_create(creates)
                if any(e.pk is None for e in creates):  # a database that does not return ids
                    ids = dict(Employment.objects.filter(unit=unit, local_id__in=[e.local_id for e in creates])
                               .values_list("local_id", "pk"))
                    for employment in creates:
                        employment.pk = ids[employment.local_id]
        if progress:
            progress(len(batch))
        batch.clear()

    for record in _rows_read(lines):
        batch.append(record)
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()

    if prune:
        _prune(unit=unit, existing=existing, seen=seen, report=report, allow_mass_removal=allow_mass_removal)
    return report


def _row_import(*, unit, line, raw, error, existing, seen, researchers, report: ImportReport,
                creates: list[Employment]) -> RowOutcome:
    local_id = (raw or {}).get("local_id", "") or ""
    local_id = local_id.strip()
    if error:
        # A row we cannot read still names its local_id: keep that employment, do not prune it.
        if local_id:
            seen.setdefault(local_id, line)
        return _rejected(report, RowError(line, local_id, error))
    try:
        row = _row_parse(line, raw)
    except ValueError as problem:
        if local_id:
            seen.setdefault(local_id, line)
        return _rejected(report, RowError(line, local_id, str(problem)))
    if row.local_id in seen:
        return _rejected(report, RowError(line, row.local_id, f"local_id repeats line {seen[row.local_id]}"))
    seen[row.local_id] = line
    researcher_id = researchers.get(row.institutional_id)
    values = _fields(row)
    employment = existing.get(row.local_id)
    if employment is None:
        employment = Employment(unit=unit, researcher_id=researcher_id, local_id=row.local_id, **values)
        creates.append(employment)
        existing[row.local_id] = employment
        report.created += 1
        return RowOutcome(line, row.local_id, "created")
    if employment.researcher_id != researcher_id:
        return _rejected(report, RowError(
            line, row.local_id,
            f"local_id {row.local_id} belongs to another researcher; an employment cannot move to "
            "another person (give it a new local_id)",
        ))
    changed = [name for name, new in values.items() if getattr(employment, name) != new]
    restored = employment.removed_at is not None
    if not changed and not restored:
        report.unchanged += 1
        return RowOutcome(line, row.local_id, "unchanged")
    for name in changed:
        setattr(employment, name, values[name])
    if restored:
        employment.removed_at = None
        changed.append("removed_at")
    employment.save(update_fields=[*changed, "updated_at"])
    if restored:
        report.restored += 1
        return RowOutcome(line, row.local_id, "restored")
    report.updated += 1
    return RowOutcome(line, row.local_id, "updated")


def _rejected(report: ImportReport, error: RowError) -> RowOutcome:
    report.rejected.append(error)
    return RowOutcome(error.line, error.local_id, "rejected", error.reason)


def _prune(*, unit, existing, seen, report: ImportReport, allow_mass_removal: bool) -> None:
    current = [e for e in existing.values() if e.removed_at is None]
    gone = [e for e in current if e.local_id not in seen]
    if not gone:
        return
    if not seen:
        report.prune_refused = (
            "The file has no rows, so nothing was removed (an empty export would remove every employment)."
        )
        return
    if not allow_mass_removal and len(gone) > max(MASS_REMOVAL_MIN, MASS_REMOVAL_SHARE * len(current)):
        report.prune_refused = (
            f"The file leaves out {len(gone)} of the unit's {len(current)} current employments, so nothing "
            "was removed; if that is intended, import again with --allow-mass-removal."
        )
        return
    now = timezone.now()
    ids = [e.pk for e in gone]
    for start in range(0, len(ids), BATCH_SIZE):
        Employment.objects.filter(pk__in=ids[start:start + BATCH_SIZE]).update(removed_at=now, updated_at=now)
    report.removed = len(gone)
    report.removed_local_ids = sorted(e.local_id for e in gone)


def employments_import_text(*, unit: Unit, text: str, **options) -> ImportReport:
    """`employments_import` of a whole CSV held in memory (an upload, a test)."""
    return employments_import(unit=unit, lines=io.StringIO(text, newline=""), **options)


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
