"""`manage.py import_funding FILE --unit CODE`: the research office's funding CSV (CONTRACT §3)."""

from units.importing.command import ImportCommand


class Command(ImportCommand):
    help = ("Load funding (grants, contracts, awards) from CSV: upserted by (unit, local_id), bad rows named with "
            "their line and reason. --snapshot takes the file as the unit's full list (what it no longer lists is "
            "withdrawn from ORCID).")
    kind_name = "funding"
    snapshot_flag = True
