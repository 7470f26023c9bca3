"""`manage.py harvest_orcid_works --unit CODE [--output FILE]` (CONTRACT §3)."""

from __future__ import annotations

import csv

from django.core.management.base import BaseCommand, CommandError

from reports.harvest import HarvestResult, harvest_columns, harvest_rows


class Command(BaseCommand):
    help = (
        "Reads the ORCID records of connected researchers and writes, as a Works CSV, the works on them "
        "(from any source) that the unit does not hold yet, matched by normalised identifier; 'public' is empty."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="The unit whose works are compared (its code).")
        parser.add_argument("--output", help="Write the CSV to this file (default: standard output).")

    def handle(self, *args, unit, output=None, **options):
        from units.models import Unit

        found = Unit.objects.filter(code=unit).first()
        if found is None:
            known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none"
            raise CommandError(f"Unknown unit {unit!r}. Known units: {known}.")
        result = HarvestResult()
        handle = open(output, "w", newline="", encoding="utf-8") if output else self.stdout
        try:
            writer = csv.DictWriter(handle, fieldnames=harvest_columns(), lineterminator="\n")
            writer.writeheader()
            for row in harvest_rows(unit=found, result=result):
                writer.writerow(row)
        finally:
            if output:
                handle.close()
        for institutional_id in result.failed:
            self.stderr.write(f"could not read the ORCID record of {institutional_id}")
        self.stderr.write(result.summary_line())
