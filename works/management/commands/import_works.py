"""`python manage.py import_works FILE --unit CODE` (CONTRACT §3): the importer framework
(units/importing) with the works kind (works/importers.py)."""

from __future__ import annotations

from units.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Load a unit's publications from CSV or CSL-JSON (.json). Upserts by (unit, local_id) and keeps the "
        "researchers' choices; rejects bad rows with their line number and reason, keeping the good ones."
    )
    kind_name = "works"

    def handle(self, *args, **options):
        import works.importers  # noqa: F401  (registers the works kind)

        return super().handle(*args, **options)
