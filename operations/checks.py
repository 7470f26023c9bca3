"""System checks of the operations settings (`manage.py check --deploy` runs them)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def token_encryption_keys_check(app_configs=None, **kwargs):
    """Every TOKEN_ENCRYPTION_KEYS entry must be a Fernet key: a malformed one would otherwise
    pass the start and fail at the first token the portal stores or reads."""
    from cryptography.fernet import Fernet

    keys = list(getattr(settings, "TOKEN_ENCRYPTION_KEYS", []) or [])
    if not keys:
        return [Error("TOKEN_ENCRYPTION_KEYS is empty.", hint="Set comma-separated Fernet keys.", id="operations.E001")]
    errors = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except Exception:
            errors.append(Error(
                f"TOKEN_ENCRYPTION_KEYS: key {position} of {len(keys)} is not a Fernet key "
                "(32 url-safe base64-encoded bytes).",
                hint='Make one with: python -c "from cryptography.fernet import Fernet; '
                     'print(Fernet.generate_key().decode())"',
                id="operations.E002",
            ))
    return errors
