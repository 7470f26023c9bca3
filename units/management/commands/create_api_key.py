from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from units.models import ApiKey, Unit
from units.services import api_key_create


class Command(BaseCommand):
    help = (
        "Make an API key for a unit and print it once (only a hash is stored). "
        "Scopes: " + ", ".join(f"{c.value} ({c.label})" for c in ApiKey.Scope) + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("unit", help="The unit's code.")
        parser.add_argument("--scopes", required=True, help="Comma-separated, e.g. works:curate,tokens:read")
        parser.add_argument("--name", default="", help="What the key is for, e.g. 'Faculty profiles system'.")

    def handle(self, *args, unit, scopes, name, **options):
        try:
            unit_obj = Unit.objects.get(code=unit.strip().lower())
        except Unit.DoesNotExist:
            known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none yet (use create_unit)"
            raise CommandError(f"Unknown unit '{unit}'. Known units: {known}.") from None
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        if not scope_list:
            raise CommandError("Give at least one scope with --scopes.")
        try:
            issued = api_key_create(unit=unit_obj, scopes=scope_list, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"API key {issued.api_key} for {unit_obj.name} with scopes {', '.join(issued.api_key.scopes)}. "
            "It is shown only now; store it safely. Use it as 'Authorization: Bearer <key>'."
        )
        # The key alone on stdout, so scripts can capture it.
        self.stdout.write(issued.key)
