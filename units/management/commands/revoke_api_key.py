from django.core.management.base import BaseCommand, CommandError

from units.models import ApiKey
from units.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke a unit's API key by its prefix (the part after 'op_' shown by create_api_key and in the admin)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix, **options):
        prefix = prefix.removeprefix("op_").split("_", 1)[0]
        api_key = ApiKey.objects.filter(prefix=prefix).first()
        if api_key is None:
            raise CommandError(f"No API key with prefix {prefix}.")
        api_key_revoke(api_key=api_key)
        self.stdout.write(f"Revoked API key {api_key}.")
