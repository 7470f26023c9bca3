"""The personal link of an invitation: `/invitations/{token}/`.

The token is a random `link_id` signed with SECRET_KEY (django.core.signing), so a link cannot
be guessed or altered; the database keeps the `link_id` and the SHA-256 of the whole token,
never the token. A reminder re-signs the same `link_id`, so every email of an invitation
carries the same link.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "invitations.link"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=".")


def link_token(*, link_id: str) -> str:
    """The token of the link whose random part is `link_id`."""
    return _signer().sign(link_id)


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_new() -> tuple[str, str]:
    """A fresh (link_id, token_hash) for a new invitation."""
    link_id = secrets.token_urlsafe(18)
    return link_id, link_token_hash(link_token(link_id=link_id))


def link_is_authentic(token: str) -> bool:
    """Whether `token` carries a valid signature (False for an altered or made-up link)."""
    try:
        _signer().unsign(token)
    except signing.BadSignature:
        return False
    return True


def link_url(*, link_id: str) -> str:
    """The absolute link for emails (PORTAL_BASE_URL: emails have no request)."""
    path = reverse("invitation-open", kwargs={"token": link_token(link_id=link_id)})
    return f"{settings.PORTAL_BASE_URL}{path}"
