from django.core.management.base import BaseCommand, CommandError

from connections.crypto import TokenDecryptionError
from connections.services import connection_keys_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ORCID token with the first key of TOKEN_ENCRYPTION_KEYS. "
        "To rotate: put a new key first (keep the old ones after it), run this, then remove the old keys."
    )

    def handle(self, *args, **options):
        try:
            count = connection_keys_rotate()
        except TokenDecryptionError as error:
            raise CommandError(f"{error} Keep every old key in TOKEN_ENCRYPTION_KEYS until this command succeeds.") from error
        self.stdout.write(f"Re-encrypted the tokens of {count} connection(s) with the first key.")
