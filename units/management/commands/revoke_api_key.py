from django.core.management.base import BaseCommand, CommandError

from units.models import ApiKey
from units.services import api_key_revoke


class Command(BaseCommand):
    help = (
        "Revoke a unit's API key by its prefix: the part after 'op_' of the key, or the key's label as "
        "create_api_key and the admin show it (UNIT:PREFIX), or the whole key."
    )

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        unit = ""
        if ":" in prefix:  # "library:d7257d06", as create_api_key names the key it made
            unit, prefix = prefix.rsplit(":", 1)
        prefix = prefix.strip().removeprefix("op_").split("_", 1)[0]
        keys = ApiKey.objects.filter(prefix=prefix)
        if unit:
            keys = keys.filter(unit__code=unit.strip().lower())
        api_key = keys.first()
        if api_key is None:
            raise CommandError(f"No API key with prefix {prefix}.")
        api_key_revoke(api_key=api_key)
        self.stdout.write(f"Revoked API key {api_key}.")
