"""The import itself: entries in, batches upserted by (unit, local_id), outcomes out in the
file's order, then the snapshot (see units/importing/snapshot.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.db import reset_queries, transaction
from django.utils import timezone

from .kinds import ImportKind
from .limits import ImportLimits
from .reader import Record, RowInvalid, file_check, read_csv, read_json
from .report import ImportReport, RowOutcome
from .researchers import Researchers
from .snapshot import snapshot_apply


@dataclass(frozen=True)
class ImportOptions:
    """`snapshot`: the file is the unit's full list (None: the kind's default); what it leaves
    out is ended (kinds with an end date) or removed; `delete_missing` removes instead of
    ending; `allow_mass_removal` lifts the guard against ending or removing most of a unit."""

    snapshot: bool | None = None
    delete_missing: bool = False
    allow_mass_removal: bool = False


@dataclass(slots=True)
class Entry:
    """One row read and parsed: `data` (the kind's parsed row) or `error`; `local_id` is what the
    row names even when it is rejected (a snapshot does not end what a bad row still lists)."""

    where: str
    number: int
    data: Any
    error: str = ""
    local_id: str = ""


def _local_id_hint(cells) -> str:
    if isinstance(cells, dict):
        return str(cells.get("local_id") or "").strip()[:200]
    return ""


def entries_parse(kind: ImportKind, records: Iterable[Record], fmt: str) -> Iterator[Entry]:
    """Entries of `records`, parsed by the kind's CSV or JSON parser."""
    parse = kind.parse_row if fmt == "csv" else kind.parse_item
    for record in records:
        hint = _local_id_hint(record.cells)
        if record.error:
            yield Entry(record.where, record.number, None, record.error, hint)
            continue
        try:
            yield Entry(record.where, record.number, parse(record.cells), "", hint)
        except RowInvalid as exc:
            yield Entry(record.where, record.number, None, str(exc), hint)


def records_read(kind: ImportKind, stream: IO[bytes], fmt: str, limits: ImportLimits) -> Iterator[Record]:
    if fmt == "csv":
        return read_csv(stream, required=kind.required_columns, expected=kind.columns, limits=limits)
    return read_json(stream, limits=limits, kind_label=kind.json_label)


def import_stream(
    *, kind: ImportKind, unit, stream: IO[bytes], fmt: str, options: ImportOptions = ImportOptions(),
    on_row: Callable[[RowOutcome], None] | None = None, progress: Callable[[int], None] | None = None,
    limits: ImportLimits | None = None, checked: bool = False,
) -> ImportReport:
    """Import a file (a seekable binary stream) of `kind` into `unit`: the pre-pass first (a file
    refused whole raises ImportFileError before anything is saved; skipped when `checked`), then
    `import_run`. Raises ImportFileError (see reader.py for which files end how)."""
    limits = limits or ImportLimits.from_settings()
    if fmt not in kind.formats:
        from .reader import ImportFileError

        raise ImportFileError(f"{kind.label} are imported from {' or '.join(kind.formats)} files")
    if not checked:
        file_check(stream, fmt=fmt, limits=limits)
    entries = entries_parse(kind, records_read(kind, stream, fmt, limits), fmt)
    return import_run(kind=kind, unit=unit, entries=entries, options=options, on_row=on_row, progress=progress)


def _batches(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    """Lists of up to `size` entries. When reading fails part-way (broken JSON), the entries read
    before the failure are still handed out, then the error is raised."""
    iterator = iter(entries)
    while True:
        batch: list[Entry] = []
        try:
            batch.extend(islice(iterator, size))
        except Exception:
            if batch:
                yield batch
            raise
        if not batch:
            return
        yield batch


class _Run:
    def __init__(self, kind: ImportKind, unit) -> None:
        self.kind, self.unit = kind, unit
        self.report = ImportReport()
        self.researchers = Researchers(create=kind.creates_researchers)
        self.seen: dict[str, int] = {}  # local_id -> number of the row that had it first
        self.protected: set[str] = set()  # local_ids that only rejected rows name
        self.prefix = "line"


def import_run(
    *, kind: ImportKind, unit, entries: Iterable[Entry], options: ImportOptions = ImportOptions(),
    on_row: Callable[[RowOutcome], None] | None = None, progress: Callable[[int], None] | None = None,
    batch_size: int | None = None,
) -> ImportReport:
    """Upsert the entries' items into `unit`, keyed by (unit, local_id).

    Effects: creates what is new; updates only the kind's imported fields of what changed
    (the researcher's choices are kept); leaves unchanged items untouched (not even
    `updated_at`); brings back items the unit had removed; creates researchers named by a new
    institutional ID (unless the kind says not to: `creates_researchers`). A rejected row (the reader's or parser's reason, a local_id repeated in
    the file, an item of another researcher) does not stop the others. Works in batches, each
    in its own transaction, so memory stays flat whatever the file's size; `on_row` gets each
    outcome in the file's order, `progress` the number of rows after each batch. Then, for a
    snapshot, ends or removes what the file no longer lists (snapshot_apply)."""
    run = _Run(kind, unit)
    for batch in _batches(entries, batch_size or kind.batch_size):
        for outcome in _batch_import(run, batch):
            run.report.add(outcome)
            if on_row is not None:
                on_row(outcome)
        if progress is not None:
            progress(len(batch))
        if settings.DEBUG:
            reset_queries()  # DEBUG keeps every statement: forget them, for flat memory
    run.report.researchers_created = run.researchers.created
    snapshot = kind.snapshot_default if options.snapshot is None else options.snapshot
    if snapshot:
        snapshot_apply(kind=kind, unit=unit, listed=run.seen.keys() | run.protected, report=run.report,
                       delete=options.delete_missing or kind.ending is None,
                       allow_mass_removal=options.allow_mass_removal)
    return run.report


def _batch_import(run: _Run, batch: list[Entry]) -> list[RowOutcome]:
    outcomes: dict[int, RowOutcome] = {}
    valid: list[tuple[int, Entry]] = []
    for position, entry in enumerate(batch):
        if entry.data is None:
            if entry.local_id:
                run.protected.add(entry.local_id)
            outcomes[position] = RowOutcome(entry.where, entry.number, entry.local_id, "rejected", entry.error)
            continue
        local_id = entry.data.local_id
        if local_id in run.seen:
            where = f"{entry.where.split(' ', 1)[0]} {run.seen[local_id]}"
            outcomes[position] = RowOutcome(entry.where, entry.number, local_id, "rejected",
                                            run.kind.message("repeat", local_id=local_id, where=where))
            continue
        run.seen[local_id] = entry.number
        valid.append((position, entry))
    if valid:
        with transaction.atomic():
            outcomes.update(_upsert(run, valid))
    return [outcomes[position] for position in sorted(outcomes)]


def _upsert(run: _Run, rows: list[tuple[int, Entry]]) -> dict[int, RowOutcome]:
    """Save one batch of parsed rows; their outcomes by position in the batch."""
    kind, unit, model = run.kind, run.unit, run.kind.model
    run.researchers.prefetch(entry.data for _, entry in rows)
    existing = {
        row["local_id"]: row
        for row in model.objects.filter(unit=unit, local_id__in=[entry.data.local_id for _, entry in rows])
        .values("id", "local_id", "researcher_id", "removed_at", *kind.compared)
    }
    now = timezone.now()
    to_create, to_update, outcomes = [], [], {}
    for position, entry in rows:
        data = entry.data

        def outcome(name: str, reason: str = "", entry=entry) -> RowOutcome:
            return RowOutcome(entry.where, entry.number, entry.data.local_id, name, reason)

        try:
            researcher_id = run.researchers.id_for(data)
        except RowInvalid as exc:
            outcomes[position] = outcome("rejected", str(exc))
            continue
        values = kind.values(data)
        current = existing.get(data.local_id)
        if current is None:
            to_create.append(_instance(kind, unit=unit, researcher_id=researcher_id, local_id=data.local_id, **values))
            outcomes[position] = outcome("created")
        elif current["researcher_id"] != researcher_id:
            # Moving an item (and the researcher's choice) to someone else is never what a re-import means.
            outcomes[position] = outcome("rejected", kind.message("moved", local_id=data.local_id))
        elif current["removed_at"] is None and all(current[name] == values[name] for name in kind.compared):
            outcomes[position] = outcome("unchanged")
        else:
            to_update.append(_instance(kind, id=current["id"], unit=unit, researcher_id=researcher_id,
                                       local_id=data.local_id, removed_at=None, updated_at=now, **values))
            outcomes[position] = outcome(kind.restored_outcome if current["removed_at"] else "updated")
    if to_create:
        created = model.objects.bulk_create(to_create)
        if kind.on_created is not None:
            kind.on_created(created)
    if to_update:
        model.objects.bulk_update(to_update, [*kind.fields, *kind.prepared_fields, "removed_at", "updated_at"])
    return outcomes


def _instance(kind: ImportKind, **values):
    instance = kind.model(**values)
    if kind.prepare is not None:
        kind.prepare(instance)
    return instance
