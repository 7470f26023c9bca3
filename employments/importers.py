"""HR's employments file (CONTRACT §3) as a kind of the importer framework (units/importing).

HR's file is a full snapshot of the unit: every current and past employment HR wants on
ORCID. So an import upserts by (unit, local_id) and, by default, ENDS the unit's employments
that the file no longer lists (their end date set to the import's date, so ORCID keeps the
person's history; one that has not begun yet is removed instead); `--delete-missing` removes
them (`removed_at`: the next sync deletes them from ORCID); `--no-prune` for a partial file.
A row that comes back later is restored (or, when it had been ended, updated with the file's
dates). The mass-change guard (units/importing/snapshot.py) applies to endings too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from units.importing import (
    ImportFileError,
    ImportKind,
    ImportOptions,
    ImportReport,
    ParsedRow,
    RowInvalid,
    RowOutcome,
    import_stream,
    kind_register,
)
from units.importing.dates import DATE_ENDING, date_end
from units.models import Unit

from .models import Employment
from .services import FuzzyDate, fuzzy_date_parse, fuzzy_dates_in_order

COLUMNS = ("institutional_id", "local_id", "department", "role_title", "start_date", "end_date")
TEXT_MAX = 1000  # ORCID's limit for department-name and role-title
LOCAL_ID_MAX = 200
FIELDS = ("department", "role_title", "start_year", "start_month", "start_day", "end_year", "end_month", "end_day")

_USERNAME = re.compile(r"^[\w.@+-]+$")

__all__ = ["COLUMNS", "EMPLOYMENTS", "RowOutcome", "employments_import", "employments_import_text"]


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
    """A CSV row checked and normalised; RowInvalid (a ValueError) says what is wrong with it."""
    def value(name: str) -> str:
        return (raw.get(name) or "").strip()

    institutional_id = value("institutional_id").lower()
    local_id = value("local_id")
    if not institutional_id:
        raise RowInvalid("institutional_id is empty")
    if len(institutional_id) > 150 or not _USERNAME.match(institutional_id):
        raise RowInvalid(f"institutional_id '{institutional_id[:40]}' is not a valid institutional ID")
    if not local_id:
        raise RowInvalid("local_id is empty")
    if len(local_id) > LOCAL_ID_MAX:
        raise RowInvalid(f"local_id is longer than {LOCAL_ID_MAX} characters")
    department, role_title = value("department"), value("role_title")
    for name, text in (("department", department), ("role_title", role_title)):
        if len(text) > TEXT_MAX:
            raise RowInvalid(f"{name} is longer than ORCID's {TEXT_MAX} characters")
    if not department and not role_title:
        raise RowInvalid("department and role_title are both empty")
    try:
        start = fuzzy_date_parse(value("start_date"))
    except ValueError as error:
        raise RowInvalid(f"start_date {error}") from None
    try:
        end = fuzzy_date_parse(value("end_date"))
    except ValueError as error:
        raise RowInvalid(f"end_date {error}") from None
    if end[0] is not None and start[0] is None:
        raise RowInvalid("end_date without a start_date")
    if not fuzzy_dates_in_order(start, end):
        raise RowInvalid(
            "end_date is before start_date (ORCID compares them as written: give the end date at least "
            "as precisely as the start date)"
        )
    return _Row(line, institutional_id, local_id, department, role_title, start, end)


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


def employment_parse_row(cells: dict) -> ParsedRow:
    row = _row_parse(0, cells)
    return ParsedRow(local_id=row.local_id, institutional_id=row.institutional_id, values=_fields(row))


# How a snapshot ends an employment it no longer lists (units/importing/dates.py).
employment_end = date_end


EMPLOYMENTS = kind_register(ImportKind(
    name="employments",
    label="employments",
    model=Employment,
    columns=COLUMNS,
    required_columns=COLUMNS,
    parse_row=employment_parse_row,
    fields=FIELDS,
    snapshot_default=True,
    ending=DATE_ENDING,
    summary_fields=("created", "updated", "unchanged", "restored", "ended", "removed", "rejected"),
    messages={"repeat": "local_id repeats {where}"},
    batch_size=500,
))


def employments_import(
    *, unit: Unit, stream, prune: bool = True, delete_missing: bool = False, allow_mass_removal: bool = False,
    progress: Callable[[int], None] | None = None, on_row: Callable[[RowOutcome], None] | None = None,
) -> ImportReport:
    """Import HR's CSV (a binary stream) into `unit`'s employments: upserts by (unit,
    local_id) keeping the researcher's choice; a bad row is reported with its line and the
    others kept; with `prune`, ends (or with `delete_missing`, removes) what the file no longer
    lists, unless the guard refuses (`report.prune_refused`). Raises ValidationError when the
    file is refused whole (a header without a column, a limit), before anything is imported."""
    options = ImportOptions(snapshot=prune, delete_missing=delete_missing, allow_mass_removal=allow_mass_removal)
    try:
        return import_stream(kind=EMPLOYMENTS, unit=unit, stream=stream, fmt="csv", options=options,
                             on_row=on_row, progress=progress)
    except ImportFileError as error:
        raise ValidationError(f"The file: {error}.") from None


def employments_import_text(*, unit: Unit, text: str, **options) -> ImportReport:
    """`employments_import` of a whole CSV held in memory (a test, a small text)."""
    return employments_import(unit=unit, stream=io.BytesIO(text.encode("utf-8")), **options)
