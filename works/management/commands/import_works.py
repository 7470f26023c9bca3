"""`python manage.py import_works FILE --unit CODE` (CONTRACT §3)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from tqdm import tqdm

from units.models import Unit
from works.importers import ImportFileError, count_csv_rows, file_format, iter_csl_json, iter_csv
from works.services import RowOutcome, works_import

# Files with at least this many rows get a progress bar.
PROGRESS_MIN_ROWS = 1000


class Command(BaseCommand):
    help = (
        "Load a unit's publications from CSV or CSL-JSON (.json). Upserts by (unit, local_id) and keeps the "
        "researchers' choices; rejects bad rows with their line number and reason, keeping the good ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv file (CONTRACT columns) or a .json CSL-JSON file")
        parser.add_argument("--unit", required=True, help="the code of an existing unit (see create_unit)")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would happen, saving nothing")

    def handle(self, *args, file: str, unit: str, no_progress: bool = False, dry_run: bool = False, verbosity: int = 1,
               **options):
        unit_obj = Unit.objects.filter(code=unit.strip().lower()).first()
        if unit_obj is None:
            known = ", ".join(Unit.objects.order_by("code").values_list("code", flat=True)) or "none yet"
            raise CommandError(f"Unknown unit '{unit}'. Known units: {known}. Create one with create_unit.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            fmt = file_format(path.name)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None

        total = count_csv_rows(path) if fmt == "csv" else None
        show_progress = not no_progress and (total is None and path.stat().st_size > 1_000_000 or
                                             (total or 0) >= PROGRESS_MIN_ROWS)
        bar = tqdm(total=total, unit=" rows", file=sys.stderr, disable=not show_progress, dynamic_ncols=True,
                   mininterval=0.5)

        seen = 0

        def on_row(outcome: RowOutcome) -> None:
            nonlocal seen
            seen += 1
            if settings.DEBUG and seen % 1000 == 0:
                # With DEBUG on, Django keeps every SQL statement (bulk inserts are large):
                # forget them so a big file imports in flat memory in development too.
                reset_queries()
            bar.update(1)
            # The per-row report (CONTRACT §3): every row, in the file's order, unchanged ones
            # too; -v 0 keeps only the rejected rows.
            if outcome.outcome == "rejected":
                self._say(bar, self.style.WARNING(f"{outcome.where}: rejected: {outcome.reason}"))
            elif verbosity >= 1:
                self._say(bar, f"{outcome.where}: {outcome.outcome} {outcome.local_id}")

        try:
            # A dry run does the whole import inside one transaction and rolls it back, so
            # what it reports is exactly what a real run would do. A real run commits batch by
            # batch instead: one long transaction would hold the database's write lock.
            with transaction.atomic() if dry_run else nullcontext():
                if fmt == "csv":
                    with open(path, encoding="utf-8-sig", newline="", errors="strict") as stream:
                        result = works_import(unit=unit_obj, entries=iter_csv(stream), on_row=on_row)
                else:
                    with open(path, "rb") as stream:
                        result = works_import(unit=unit_obj, entries=iter_csl_json(stream), on_row=on_row)
                if dry_run:
                    transaction.set_rollback(True)
        except ImportFileError as exc:
            bar.close()
            raise CommandError(f"{path.name}: {exc}") from None
        except UnicodeDecodeError as exc:
            bar.close()
            raise CommandError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV.") from None
        bar.close()
        if result.researchers_created:
            self.stdout.write(f"{result.researchers_created} researcher(s) seen for the first time were created.")
        style = self.style.SUCCESS if not result.rejected else self.style.WARNING
        self.stdout.write(style(f"{path.name} into {unit_obj.code}: {result.summary}"))
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")

    def _say(self, bar, text: str) -> None:
        if bar.disable:
            self.stdout.write(text)
        else:
            bar.write(text, file=self.stdout._out)
