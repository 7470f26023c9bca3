"""Encryption of ORCID tokens at rest (CONTRACT §2 `TOKEN_ENCRYPTION_KEYS`).

MultiFernet over the configured keys: the first key encrypts, every key decrypts, so a new
key can be put first and `manage.py rotate_token_keys` re-encrypts what the old ones wrote.
https://cryptography.io/en/latest/fernet/#cryptography.fernet.MultiFernet
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class TokenDecryptionError(Exception):
    """A stored token cannot be decrypted with any configured key (a key was removed too soon)."""


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty: at least one Fernet key is needed.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode() if isinstance(key, str) else key))
        except (ValueError, TypeError) as error:
            # Never echo the key itself: say which one is malformed.
            raise ImproperlyConfigured(
                f"TOKEN_ENCRYPTION_KEYS: key number {position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`)."
            ) from error
    return MultiFernet(fernets)


def token_cipher() -> MultiFernet:
    """The MultiFernet for the keys configured now (read per call so key changes take effect)."""
    return _multifernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def token_encrypt(plaintext: str) -> str:
    """Encrypt `plaintext` with the first key; the empty string stays empty (no token)."""
    if not plaintext:
        return ""
    return token_cipher().encrypt(plaintext.encode()).decode("ascii")


def token_decrypt(ciphertext: str) -> str:
    """Decrypt with whichever configured key wrote `ciphertext`; '' stays ''."""
    if not ciphertext:
        return ""
    try:
        return token_cipher().decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken as error:
        raise TokenDecryptionError(
            "A stored ORCID token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS."
        ) from error


def token_reencrypt(ciphertext: str) -> str:
    """Re-encrypt `ciphertext` with the first key (MultiFernet.rotate); '' stays ''."""
    if not ciphertext:
        return ""
    try:
        return token_cipher().rotate(ciphertext.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise TokenDecryptionError(
            "A stored ORCID token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS."
        ) from error
