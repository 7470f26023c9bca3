"""The importer framework: every kind of item a unit loads from a file (works, employments,
affiliations, funding, ...) is imported by this one code, so the report, the researcher
lookup, the upsert, the snapshot and the file limits are written once (issues 10 and 11).

A new kind is a schema, a row parser and an upsert spec, in its app's `importers.py`:

    from units.importing import ImportKind, ParsedRow, RowInvalid, kind_register

    def funding_parse_row(cells: dict) -> ParsedRow:          # raise RowInvalid("reason")
        return ParsedRow(local_id=..., institutional_id=..., values={"title": ..., ...})

    FUNDING = kind_register(ImportKind(
        name="funding", label="funding items", model=Funding,
        columns=CONTRACT_COLUMNS, required_columns=("institutional_id", "local_id", "title"),
        parse_row=funding_parse_row, fields=("title", ...),   # the imported fields, never choices
    ))

and its command is a few lines (see works/management/commands/import_works.py):

    class Command(ImportCommand):
        kind_name = "funding"

Building blocks (all keyword-only):
- `ImportKind` (kinds.py): the declaration; its docstring lists every attribute. `ParsedRow`
  (or any object with `local_id`, `institutional_id`, `email`) is what a parser returns; the
  researcher is found by `institutional_id` (created on first sight) or, when that is empty,
  by `email` (the Affiliation Manager CSV: an unknown email is a rejected row).
- `Ending(fields, end)`: kinds with an end date leave a snapshot by being ended, not deleted;
  `units.importing.dates` has ORCID's fuzzy dates (`fuzzy_date_parse`, `fuzzy_dates_in_order`)
  and `DATE_ENDING`, the Ending of any model with start_/end_ year, month and day fields.
- `import_stream(kind=, unit=, stream=, fmt=, options=ImportOptions(...), on_row=, progress=)`
  → `ImportReport`: the whole import of a seekable binary file, hardened reader included.
  `import_run(kind=, unit=, entries=...)` is the same from already parsed entries.
- `ImportOptions(snapshot=None|bool, delete_missing=False, allow_mass_removal=False)`.
- `ImportReport`: counts (`created`, `updated`, `unchanged`, `restored`, `ended`, `removed`,
  `rejected_count`), `rejected` (RowOutcomes), `prune_refused`, `summary(names)`.
  `RowOutcome(where, number, local_id, outcome, reason)`; `report_line(outcome)` prints
  `line N (ID): created` / `line N (ID): rejected: reason`, every row in the file's order.
- The reader (reader.py): `ImportFileError` (the file refused, nothing saved, or, for JSON
  that breaks part-way, the items before it kept and said so), `RowInvalid`, the limits
  IMPORT_MAX_FILE_BYTES, IMPORT_MAX_ROWS, IMPORT_MAX_FIELD_BYTES, IMPORT_MAX_LINE_BYTES,
  IMPORT_MAX_JSON_DEPTH (settings).
- `ImportCommand` (command.py): the management command of a kind, with the per-row report, a
  progress bar, `--dry-run` and, for snapshot kinds, `--no-prune`, `--delete-missing`,
  `--allow-mass-removal`.
- Background jobs (jobs.py, `units.models.ImportJob`): the admin's upload is stored and run
  in a thread (no broker) or a Celery task, with progress and its report;
  `ImportUploadAdminMixin` (admin.py) gives a kind's ModelAdmin the upload and job pages.

The framework lives in `units` (it may import accounts, units and orcid_client only): the
kinds' apps import it, never the other way round; `kind_get(name)` finds a kind through the
registry its `importers` module fills.
"""

from .engine import Entry, ImportOptions, entries_parse, import_run, import_stream
from .kinds import REMOVE, Ending, ImportKind, ParsedRow, kind_get, kind_register
from .limits import ImportLimits
from .reader import ImportFileError, Record, RowInvalid, file_check, file_format, read_csv, read_json
from .report import MAX_REPORTED_ERRORS, ImportReport, RowOutcome, report_line

__all__ = [
    "MAX_REPORTED_ERRORS", "REMOVE", "Ending", "Entry", "ImportFileError", "ImportKind", "ImportLimits",
    "ImportOptions", "ImportReport", "ParsedRow", "Record", "RowInvalid", "RowOutcome", "entries_parse",
    "file_check", "file_format", "import_run", "import_stream", "kind_get", "kind_register", "read_csv",
    "read_json", "report_line",
]
