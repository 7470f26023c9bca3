"""`manage.py orcid_report [--unit CODE] [--format json|csv]` (CONTRACT §3)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.formats import report_csv, report_json
from reports.selectors import adoption_report


class Command(BaseCommand):
    help = (
        "Prints the adoption report: per department (HR data), per unit and in total, researchers, connected, "
        "connected_percent, connections by state, items on ORCID per kind and items failing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="Only this unit's researchers and items (a unit code).")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, unit=None, format="json", **options):
        from units.models import Unit

        units = None
        if unit:
            found = Unit.objects.filter(code=unit).first()
            if found is None:
                known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none"
                raise CommandError(f"Unknown unit {unit!r}. Known units: {known}.")
            units = [found]
        report = adoption_report(units=units)
        text = report_csv(report) if format == "csv" else report_json(report) + "\n"
        self.stdout.write(text, ending="")
