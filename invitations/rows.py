"""Reading an invitation file (CONTRACT §3): CSV with `institutional_id, email, given_names,
family_names` and, optionally, `unit` (a row for another unit is refused). One row at a time,
so a file of any size is read in bounded memory; bad rows come back named with their line."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

REQUIRED = ("institutional_id", "email")
OPTIONAL = ("given_names", "family_names", "unit")
KNOWN = REQUIRED + OPTIONAL


class InvitationFileError(Exception):
    """The file as a whole cannot be read (no header, a required column missing)."""


@dataclass(frozen=True)
class InviteRow:
    line: int
    institutional_id: str
    email: str
    given_names: str = ""
    family_names: str = ""


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: invited, skipped (and why), rejected (and why) or failed."""

    INVITED = "invited"
    SKIPPED = "skipped"
    REJECTED = "rejected"
    FAILED = "failed"

    line: int
    institutional_id: str
    outcome: str
    reason: str = ""

    def __str__(self) -> str:
        who = self.institutional_id or "-"
        return f"line {self.line}: {who}: {self.outcome}" + (f" ({self.reason})" if self.reason else "")


def _header(reader) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InvitationFileError("the file is empty (a header row is expected)") from None
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise InvitationFileError(
            f"the header lacks the column(s) {', '.join(missing)}; expected {', '.join(KNOWN[:4])}"
        )
    return names


def invitation_rows_read(lines: Iterable[str], *, unit_code: str) -> Iterator[InviteRow | RowOutcome]:
    """Each data row of the file as an `InviteRow`, or as a rejected `RowOutcome` naming its
    line and what is wrong (bad email, cells under no known column, a row of another unit,
    the same person twice). Unknown columns in the header are reported once, as line 1.
    Raises InvitationFileError when the file cannot be read at all."""
    reader = csv.reader(lines)
    names = _header(reader)
    unknown = [name for name in names if name and name not in KNOWN]
    if unknown:
        yield RowOutcome(1, "", RowOutcome.REJECTED, f"unknown column(s) {', '.join(unknown)}: their cells are ignored")
    seen: dict[str, int] = {}  # institutional ID -> first line: ~100 bytes a person
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        yield _row(line, names, cells, unit_code=unit_code, seen=seen)


def _row(line: int, names: list[str], cells: list[str], *, unit_code: str, seen: dict[str, int]):
    values = {name: cell.strip() for name, cell in zip(names, cells) if name in KNOWN}
    iid = values.get("institutional_id", "").lower()
    if len(cells) > len(names):
        return RowOutcome(line, iid, RowOutcome.REJECTED, f"{len(cells)} cells but {len(names)} columns")
    if not iid:
        return RowOutcome(line, "", RowOutcome.REJECTED, "no institutional_id")
    row_unit = values.get("unit", "").lower()
    if row_unit and row_unit != unit_code.lower():
        return RowOutcome(line, iid, RowOutcome.REJECTED, f"a person of unit {row_unit}, not {unit_code}")
    email = values.get("email", "")
    try:
        validate_email(email)
    except ValidationError:
        return RowOutcome(line, iid, RowOutcome.REJECTED, f"not an email address: {email[:80]!r}")
    if iid in seen:
        return RowOutcome(line, iid, RowOutcome.REJECTED, f"the same person as line {seen[iid]}")
    seen[iid] = line
    return InviteRow(line, iid, email, values.get("given_names", "")[:150], values.get("family_names", "")[:150])
