"""The management command of an import kind: `manage.py import_<kind> FILE --unit CODE`.

A kind's command sets `kind_name` (and `snapshot_options` for kinds whose file is the unit's
full list); it may override `finish` for its closing lines."""

from __future__ import annotations

import shutil
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from units.models import Unit

from .engine import ImportOptions, import_stream
from .kinds import ImportKind, kind_get
from .limits import ImportLimits
from .reader import ImportFileError, file_check, file_format
from .report import ImportReport, RowOutcome

# Files with at least this many rows (or JSON of this many bytes) get a progress bar.
PROGRESS_MIN_ROWS = 1000
PROGRESS_MIN_BYTES = 1_000_000


def unit_for_code(code: str) -> Unit:
    """The unit `code`; CommandError naming the known ones otherwise."""
    unit = Unit.objects.filter(code=code.strip().lower()).first()
    if unit is None:
        known = ", ".join(Unit.objects.order_by("code").values_list("code", flat=True)) or "none yet"
        raise CommandError(f"Unknown unit '{code}'. Known units: {known}. Create one with create_unit.")
    return unit


class ImportCommand(BaseCommand):
    kind_name = ""
    snapshot_options = False  # --no-prune, --delete-missing, --allow-mass-removal
    snapshot_flag = False  # --snapshot (the file is a full list only when asked)

    @property
    def kind(self) -> ImportKind:
        return kind_get(self.kind_name)

    def add_arguments(self, parser):
        parser.add_argument("file", help="the file (.csv, or .json where the kind takes it); '-' reads standard input")
        parser.add_argument("--unit", required=True, help="the code of an existing unit (see create_unit)")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would happen, saving nothing")
        if self.snapshot_flag:
            parser.add_argument("--snapshot", action="store_true",
                                help="the file is the unit's full list: end what it no longer lists")
        if self.snapshot_options or self.snapshot_flag:
            if self.snapshot_options:
                parser.add_argument("--no-prune", action="store_true",
                                    help="the file is partial: leave alone what it does not list")
            parser.add_argument("--delete-missing", action="store_true",
                                help="remove (delete from ORCID) what the file no longer lists, instead of ending it")
            parser.add_argument("--allow-mass-removal", action="store_true",
                                help="end or remove what the file leaves out even when that is more than half "
                                     "of the unit's items")

    def import_options(self, options) -> ImportOptions:
        if self.snapshot_flag:
            snapshot = bool(options.get("snapshot"))
        elif self.snapshot_options:
            snapshot = not options.get("no_prune")
        else:
            snapshot = False
        return ImportOptions(snapshot=snapshot, delete_missing=bool(options.get("delete_missing")),
                             allow_mass_removal=bool(options.get("allow_mass_removal")))

    def handle(self, *args, file: str, unit: str, no_progress: bool = False, dry_run: bool = False,
               verbosity: int = 1, **options):
        unit_obj = unit_for_code(unit)
        with self._opened(file) as (stream, name):
            try:
                fmt = "csv" if file == "-" else file_format(name)
                limits = ImportLimits.from_settings()
                total = file_check(stream, fmt=fmt, limits=limits)
            except ImportFileError as exc:
                raise CommandError(f"{name}: {exc}") from None
            big = (total or 0) >= PROGRESS_MIN_ROWS or (total is None and _size(stream) > PROGRESS_MIN_BYTES)
            bar = tqdm(total=total, unit=" rows", file=sys.stderr, disable=no_progress or not big,
                       dynamic_ncols=True, mininterval=0.5)
            try:
                report = self._run(unit_obj, stream, fmt, limits, bar, verbosity, dry_run, options)
            except ImportFileError as exc:
                raise CommandError(f"{name}: {exc}") from None
            finally:
                bar.close()
        self.finish(report, unit=unit_obj, name=name)
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        if report.prune_refused:
            raise CommandError(report.prune_refused)

    def _run(self, unit, stream, fmt, limits, bar, verbosity, dry_run, options) -> ImportReport:
        kind = self.kind

        def on_row(outcome: RowOutcome) -> None:
            # The per-row report (CONTRACT §3): every row in the file's order; -v 0 keeps only
            # the rejected rows.
            if outcome.outcome == "rejected":
                self._say(bar, self.style.WARNING(kind.report_line(outcome)))
            elif verbosity >= 1:
                self._say(bar, kind.report_line(outcome))

        # A dry run does the whole import inside one transaction and rolls it back, so what it
        # reports is exactly what a real run would do. A real run commits batch by batch: one
        # long transaction would hold the database's write lock.
        with transaction.atomic() if dry_run else nullcontext():
            report = import_stream(kind=kind, unit=unit, stream=stream, fmt=fmt, options=self.import_options(options),
                                   on_row=on_row, progress=bar.update, limits=limits, checked=True)
            if dry_run:
                transaction.set_rollback(True)
        return report

    def finish(self, report: ImportReport, *, unit: Unit, name: str) -> None:
        """The closing lines: what a snapshot ended or removed, and the summary."""
        for label, ids in (("ended", report.ended_local_ids), ("removed", report.removed_local_ids)):
            if ids:
                more = f" and {len(ids) - 50} more" if len(ids) > 50 else ""
                self.stdout.write(f"{label} (no longer in the file): {', '.join(ids[:50])}{more}")
        if report.researchers_created:
            self.stdout.write(f"{report.researchers_created} researcher(s) seen for the first time were created.")
        style = self.style.SUCCESS if not report.rejected_count else self.style.WARNING
        self.stdout.write(style(f"{name} into {unit.code}: {report.summary(self.kind.summary_fields)}"))

    def _opened(self, file: str):
        return _StdinSpool() if file == "-" else _FileOpen(file)

    def _say(self, bar, text: str) -> None:
        if bar.disable:
            self.stdout.write(text)
        else:
            bar.write(text, file=self.stdout._out)


def _size(stream) -> int:
    try:
        return Path(stream.name).stat().st_size
    except (AttributeError, OSError, TypeError):
        return 0


class _FileOpen:
    def __init__(self, file: str) -> None:
        self.path = Path(file)

    def __enter__(self):
        if not self.path.is_file():
            raise CommandError(f"No such file: {self.path}")
        self.stream = self.path.open("rb")
        return self.stream, self.path.name

    def __exit__(self, *exc) -> None:
        self.stream.close()


class _StdinSpool:
    """Standard input copied to a temporary file first: the pre-pass reads the file twice."""

    def __enter__(self):
        self.stream = tempfile.TemporaryFile()
        shutil.copyfileobj(sys.stdin.buffer, self.stream, 1 << 20)
        self.stream.seek(0)
        return self.stream, "standard input"

    def __exit__(self, *exc) -> None:
        self.stream.close()
