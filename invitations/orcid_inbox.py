"""The invitation in the researcher's ORCID inbox: a permission notification (member API
`POST /v3.0/{orcid}/notification-permission`, a premium feature), for people whose iD the
portal already knows from a connection they revoked or that expired.
https://github.com/ORCID/ORCID-Source/tree/main/orcid-model/src/main/resources/notification_3.0
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache

from orcid_client.errors import OrcidError

logger = logging.getLogger(__name__)

SCOPE = "/premium-notification"
# A client token lasts long (ORCID: about 20 years); one per client is reused for an hour.
TOKEN_CACHE_SECONDS = 3600
# ORCID shows the subject in the middle of a sentence and asks for fewer than 25 characters.
SUBJECT = "your employment and works"


def _token(client) -> str:
    key = f"invitations:premium-notification-token:{client.client_id}"
    token = cache.get(key)
    if not token:
        token = client.token_client_credentials(scope=SCOPE).access_token
        cache.set(key, token, TOKEN_CACHE_SECONDS)
    return token


def notification_body(*, link: str, unit_name: str) -> dict:
    """ORCID's notification-permission document (v3.0 JSON). The authorization URL sends the
    researcher through ORCID's consent back to their personal invitation link."""
    authorize = f"{settings.ORCID_BASE_URL}/oauth/authorize?" + urlencode({
        "client_id": settings.ORCID_CLIENT_ID, "response_type": "code",
        "scope": " ".join(settings.ORCID_SCOPES), "redirect_uri": link,
    })
    return {
        "notification-type": "permission",
        "authorization-url": {"uri": authorize},
        "notification-subject": SUBJECT,
        "notification-intro": (
            f"{unit_name} at {settings.INSTITUTION_NAME} invites you to connect your ORCID iD again, so that it can "
            "keep your employment and the publications you approve up to date on your record."
        )[:1000],
        "items": {"item": [
            {"item-type": "employment", "item-name": f"Employment at {settings.INSTITUTION_NAME}"[:1000]},
        ]},
    }


def orcid_inbox_notify(*, orcid: str, link: str, unit_name: str) -> int | None:
    """Send the permission notification to `orcid`'s inbox. Returns its put-code, or None when
    ORCID refused or could not be reached (logged; the email invitation stands on its own)."""
    from orcid_client.client import default_client

    client = default_client()
    try:
        return client.notification_permission_create(
            orcid=orcid, access_token=_token(client), body=notification_body(link=link, unit_name=unit_name)
        )
    except OrcidError as error:
        logger.warning("ORCID inbox notification to %s failed: %s %s", orcid, type(error).__name__, error.status)
        return None
