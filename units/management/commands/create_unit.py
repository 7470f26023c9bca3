from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.services import unit_create_or_update


class Command(BaseCommand):
    help = "Create a unit (the library, HR, ...) that owns items and their PUT codes; for an existing code, update its name."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Short code, e.g. library or hr (letters, digits, - and _).")
        parser.add_argument("--name", required=True, help="The unit's name, e.g. 'University Library'.")
        approval = parser.add_mutually_exclusive_group()
        approval.add_argument(
            "--requires-approval", dest="requires_approval", action="store_true", default=None,
            help="Researchers must approve this unit's employment items (works always need approval).",
        )
        approval.add_argument(
            "--no-approval", dest="requires_approval", action="store_false",
            help="Write this unit's employment items without asking (the default for a new unit).",
        )

    def handle(self, *args, code, name, requires_approval=None, **options):
        try:
            unit, created = unit_create_or_update(code=code, name=name, requires_approval=requires_approval)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"{'Created' if created else 'Updated'} unit {unit.code}: {unit.name}")
