"""allauth's OAuth2 adapter for ORCID, talking to ORCID through `orcid_client`.

Hosts come from settings at request time (ORCID_BASE_URL for the OAuth pages and the token
endpoint, ORCID_API_URL for the member API), and the token travels in the Authorization
header (the client's way), never in a URL.
"""

from __future__ import annotations

import logging

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView
from allauth.utils import get_request_param
from django.conf import settings

from orcid_client.errors import OrcidError

from .. import services

logger = logging.getLogger(__name__)


class OrcidOAuth2Adapter(OAuth2Adapter):
    provider_id = "orcid"

    @property
    def authorize_url(self) -> str:  # type: ignore[override]
        return f"{settings.ORCID_BASE_URL}/oauth/authorize"

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return f"{settings.ORCID_BASE_URL}/oauth/token"

    def get_access_token_data(self, request, app, client, pkce_code_verifier=None) -> dict:
        """Exchange the code through the one ORCID client (timeouts, retries, typed errors)."""
        code = get_request_param(self.request, "code")
        try:
            token = services.connection_code_exchange(code=code, redirect_uri=client.callback_url)
        except OrcidError as error:
            # The error text is already redacted by orcid_client; keep the code out of it too.
            logger.warning("ORCID refused the authorization code exchange: %s %s", type(error).__name__, error.status)
            raise OAuth2Error(f"ORCID refused the code exchange ({type(error).__name__})") from error
        self.did_fetch_access_token = True
        # Held in memory for the rest of this request only; connections.adapters stores it encrypted.
        return {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "expires_in": token.expires_in,
            "scope": token.scope,
            "name": token.name,
            "orcid": token.orcid,
        }

    def complete_login(self, request, app, token, **kwargs):
        response = kwargs["response"]
        orcid = response.get("orcid") or ""
        if not orcid:
            raise OAuth2Error("ORCID's token answer names no iD")
        scopes = frozenset((response.get("scope") or "").split())
        name = response.get("name") or ""
        if "/activities/update" in scopes:
            # Read the record (token in the Authorization header) to check that the grant works
            # and to take the name as the record shows it. Best effort: the token answer
            # already carries the iD and a name.
            try:
                name = services.connection_record_name(orcid=orcid, access_token=token.token) or name
            except OrcidError as error:
                logger.warning("Could not read the ORCID record %s after connecting: %s", orcid, error)
        extra_data = {"orcid": orcid, "name": name}
        sociallogin = self.get_provider().sociallogin_from_response(request, extra_data)
        # The grant as ORCID answered it, for connections.adapters (never saved by allauth).
        sociallogin.orcid_grant = {"orcid": orcid, "name": name, "scopes": sorted(scopes)}
        return sociallogin


oauth2_callback = OAuth2CallbackView.adapter_view(OrcidOAuth2Adapter)
