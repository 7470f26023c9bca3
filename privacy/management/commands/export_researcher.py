"""`manage.py export_researcher INSTITUTIONAL_ID` (CONTRACT §3)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from privacy.export import researcher_export
from privacy.selectors import researcher_by_institutional_id


class Command(BaseCommand):
    help = "Prints as JSON everything the portal holds about a person (never a token)."

    def add_arguments(self, parser):
        parser.add_argument("institutional_id")

    def handle(self, *args, institutional_id, **options):
        researcher = researcher_by_institutional_id(institutional_id=institutional_id)
        if researcher is None:
            raise CommandError(f"No person with institutional ID {institutional_id!r}.")
        self.stdout.write(json.dumps(researcher_export(researcher=researcher), cls=DjangoJSONEncoder, indent=2))
