"""`python manage.py import_employments FILE --unit CODE` (CONTRACT §3): the importer framework
(units/importing) with the employments kind (employments/importers.py)."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter

from units.importing.command import ImportCommand

HELP = """Load employment affiliations from HR's CSV (UTF-8, header row, columns
institutional_id, local_id, department, role_title, start_date, end_date; dates YYYY,
YYYY-MM or YYYY-MM-DD; extra columns are ignored).

Rows are matched to what is already loaded by (unit, local_id): new rows are created,
changed rows updated (a new end_date becomes an update of the same ORCID item), and the
researcher's choices are kept. A bad row is reported with its line number (the header is
line 1) and the others are still imported.

The file is taken as HR's full list for the unit: an employment it no longer lists is
ENDED (its end date set to the import's date, so ORCID keeps the person's history; one that
has not begun yet is removed). --delete-missing removes them instead (the next sync deletes
them from ORCID). To load a partial file (only new hires, say) use --no-prune. An import
that would end or remove more than half of the unit's employments stops short of changing
any unless --allow-mass-removal is given, so a truncated export cannot end everyone."""


class Command(ImportCommand):
    help = HELP
    kind_name = "employments"
    snapshot_options = True

    def create_parser(self, *args, **kwargs):
        parser = super().create_parser(*args, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def handle(self, *args, **options):
        import employments.importers  # noqa: F401  (registers the employments kind)

        return super().handle(*args, **options)

    def finish(self, report, *, unit, name) -> None:
        for label, ids in (("ended", report.ended_local_ids), ("removed", report.removed_local_ids)):
            if ids:
                more = f" and {len(ids) - 50} more" if len(ids) > 50 else ""
                self.stdout.write(f"{label} (no longer in the file): {', '.join(ids[:50])}{more}")
        self.stdout.write(f"{unit.code}: {report.summary(self.kind.summary_fields)}")
