"""`python manage.py import_employments FILE --unit CODE` (CONTRACT §3)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from employments.services import COLUMNS, RowOutcome, employments_import
from units.models import Unit

HELP = f"""Load employment affiliations from HR's CSV (UTF-8, header row, columns
{', '.join(COLUMNS)}; dates YYYY, YYYY-MM or YYYY-MM-DD; extra columns are ignored).

Rows are matched to what is already loaded by (unit, local_id): new rows are created,
changed rows updated (a new end_date becomes an update of the same ORCID item), and the
researcher's choices are kept. A bad row is reported with its line number (the header is
line 1) and the others are still imported.

The file is taken as HR's full list for the unit: employments it no longer lists are
marked removed and the next sync deletes them from researchers' ORCID records (a row that
comes back is restored). To load a partial file (only new hires, say) use --no-prune. An
import that would remove more than half of the unit's employments stops short of removing
anything unless --allow-mass-removal is given, so a truncated export cannot withdraw
everyone."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        from argparse import RawDescriptionHelpFormatter

        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file ('-' reads standard input).")
        parser.add_argument("--unit", required=True, help="The code of the unit that owns these items (e.g. hr).")
        parser.add_argument(
            "--no-prune", action="store_true",
            help="The file is partial: do not remove the unit's employments it leaves out.",
        )
        parser.add_argument(
            "--allow-mass-removal", action="store_true",
            help="Remove what the file leaves out even when that is more than half of the unit's employments.",
        )

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code=options["unit"].strip().lower()).first()
        if unit is None:
            known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none yet (create_unit CODE --name NAME)"
            raise CommandError(f"No unit '{options['unit']}'. Known units: {known}.")
        path = options["file"]
        if path == "-":
            report = self._import(unit, sys.stdin, None, options)
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"No file {path}.")
            with file.open(encoding="utf-8-sig", newline="") as counting:
                total = max(sum(1 for _ in counting) - 1, 0)
            try:
                with file.open(encoding="utf-8-sig", newline="") as lines:
                    report = self._import(unit, lines, total, options)
            except UnicodeDecodeError as error:
                raise CommandError(f"{path} is not UTF-8 text ({error.reason} at byte {error.start}).") from None
        self._print(report, unit)
        if report.prune_refused:
            raise CommandError(report.prune_refused)

    def _import(self, unit, lines, total, options):
        bar = tqdm(total=total, unit="rows", desc=f"import_employments {unit.code}", file=sys.stderr, disable=None)
        verbosity = options.get("verbosity", 1)

        def on_row(outcome: RowOutcome) -> None:
            # The per-row report, as import_works gives it: every row in the file's order;
            # -v 0 keeps only the rejected rows.
            label = f" ({outcome.local_id})" if outcome.local_id else ""
            if outcome.outcome == "rejected":
                self._say(bar, self.style.WARNING(f"line {outcome.line}{label}: rejected: {outcome.reason}"))
            elif verbosity >= 1:
                self._say(bar, f"line {outcome.line}{label}: {outcome.outcome}")

        try:
            return employments_import(
                unit=unit,
                lines=lines,
                prune=not options["no_prune"],
                allow_mass_removal=options["allow_mass_removal"],
                progress=bar.update,
                on_row=on_row,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        finally:
            bar.close()

    def _say(self, bar, text: str) -> None:
        if bar.disable:
            self.stdout.write(text)
        else:
            bar.write(text, file=self.stdout._out)

    def _print(self, report, unit) -> None:
        if report.removed_local_ids:
            shown = report.removed_local_ids[:50]
            more = f" and {len(report.removed_local_ids) - 50} more" if len(report.removed_local_ids) > 50 else ""
            self.stdout.write(f"removed (no longer in the file): {', '.join(shown)}{more}")
        self.stdout.write(f"{unit.code}: {report.summary()}")
