import datetime as dt

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
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
        parser.add_argument("--expires-days", type=int, default=None,
                            help="The key stops working after this many days (default: never).")
        parser.add_argument("--token-units", default="",
                            help="tokens:read only for researchers with items of these units (comma-separated codes).")
        parser.add_argument("--token-groups", default="",
                            help="tokens:read only for researchers in these groups (comma-separated names).")

    def handle(self, *args, unit, scopes, name, expires_days=None, token_units="", token_groups="", **options):
        try:
            unit_obj = Unit.objects.get(code=unit.strip().lower())
        except Unit.DoesNotExist:
            known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none yet (use create_unit)"
            raise CommandError(f"Unknown unit '{unit}'. Known units: {known}.") from None
        scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
        if not scope_list:
            raise CommandError("Give at least one scope with --scopes.")
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        limit_units = _named(Unit.objects.all(), "code", token_units, "unit")
        limit_groups = _named(Group.objects.all(), "name", token_groups, "group")
        try:
            issued = api_key_create(unit=unit_obj, scopes=scope_list, name=name, expires_at=expires_at,
                                    token_units=limit_units, token_groups=limit_groups)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"API key {issued.api_key} for {unit_obj.name} with scopes {', '.join(issued.api_key.scopes)}. "
            "It is shown only now; store it safely. Use it as 'Authorization: Bearer <key>'."
        )
        # The key alone on stdout, so scripts can capture it.
        self.stdout.write(issued.key)


def _named(queryset, field: str, names: str, what: str) -> list:
    """The objects `names` (comma-separated) name; an unknown name is an error naming it."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    if field == "code":
        wanted = [n.lower() for n in wanted]
    found = {getattr(obj, field): obj for obj in queryset.filter(**{f"{field}__in": wanted})}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise CommandError(f"Unknown {what}(s): {', '.join(unknown)}.")
    return [found[n] for n in wanted]
