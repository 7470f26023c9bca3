"""`manage.py import_affiliations FILE --unit CODE [--snapshot] [--delete-missing]`: ORCID
Affiliation Manager's upload CSV as it is (CONTRACT §3), all seven sections."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import transaction

from affiliations.importers import affiliations_import_stream
from units.importing.command import ImportCommand
from units.importing.reader import ImportFileError


class Command(ImportCommand):
    help = ("Load affiliations of all seven ORCID sections from Affiliation Manager's CSV; employment rows become "
            "employments. --snapshot takes the file as the unit's full list: a current affiliation it no longer "
            "lists is ended (end date = today), removed only with --delete-missing.")
    kind_name = "affiliations"
    snapshot_flag = True

    def _run(self, unit, stream, fmt, limits, bar, verbosity, dry_run, options):
        if fmt != "csv":
            raise ImportFileError("Affiliation Manager files are CSV")
        kind = self.kind

        def on_row(outcome) -> None:
            if outcome.outcome == "rejected":
                self._say(bar, self.style.WARNING(kind.report_line(outcome)))
            elif verbosity >= 1:
                self._say(bar, kind.report_line(outcome))

        with transaction.atomic() if dry_run else nullcontext():
            report = affiliations_import_stream(unit=unit, stream=stream, options=self.import_options(options),
                                                on_row=on_row, progress=bar.update, limits=limits, checked=True)
            if dry_run:
                transaction.set_rollback(True)
        return report
