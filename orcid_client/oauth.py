"""OAuth token calls of `OrcidClient` (https://info.orcid.org/documentation/api-tutorials/):
the code exchange, refresh, client credentials and revocation, on the request loop of
orcid_client/transport.py."""

from __future__ import annotations

from orcid_client.documents import OrcidToken
from orcid_client.errors import Invalid


class OAuthMixin:
    """ORCID's OAuth server (`base_url`): mixed into `OrcidClient`."""

    def _token_call(self, form: dict[str, str], *, idempotent: bool) -> OrcidToken:
        data = {"client_id": self.client_id, "client_secret": self._client_secret, **form}
        response = self._send(
            "POST",
            f"{self.base_url}/oauth/token",
            headers={"Accept": "application/json"},
            data=data,
            idempotent=idempotent,
            ok=(200,),
            grant_type=form.get("grant_type", ""),
            secrets=[form.get("code", ""), form.get("refresh_token", "")],
        )
        try:
            payload = response.json()
        except ValueError:
            raise Invalid(response.status_code, None, "ORCID's token answer is not JSON") from None
        token = OrcidToken.from_json(payload)
        if not token.access_token:
            raise Invalid(response.status_code, None, "ORCID's token answer holds no access_token")
        return token

    def token_from_code(self, *, code: str, redirect_uri: str) -> OrcidToken:
        """Exchange an authorization code (single use, 10 minutes) for the researcher's tokens.

        Raises `Invalid` (invalid_grant) for a used, expired or unknown code, and
        `OutcomeUnknown` if the exchange was sent and its answer lost (the code is then spent:
        the researcher must connect again).
        """
        self.stats._add("writes")
        return self._token_call(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}, idempotent=False
        )

    def token_refresh(self, *, refresh_token: str, revoke_old: bool = False, scope: str | None = None) -> OrcidToken:
        """A new access token from a refresh token; `revoke_old` revokes the old access token.

        Raises `TokenRevoked` when the refresh token no longer works (invalid_grant), and
        `OutcomeUnknown` when a `revoke_old` refresh was sent and its answer lost.
        """
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "revoke_old": "true" if revoke_old else "false"}
        if scope:
            form["scope"] = scope
        self.stats._add("writes")
        # Without revoke_old a repeated refresh only mints one more token, so it may be retried;
        # with it, a repeat after a lost answer would find the old token revoked and look like
        # the researcher's revocation, so the caller is told the outcome is unknown instead.
        return self._token_call(form, idempotent=not revoke_old)

    def token_client_credentials(self, *, scope: str) -> OrcidToken:
        """A token for the client itself (`/read-public`, `/webhook`)."""
        self.stats._add("reads")
        return self._token_call({"grant_type": "client_credentials", "scope": scope}, idempotent=True)

    def token_revoke(self, *, token: str) -> None:
        """Revoke an access or refresh token (POST /oauth/revoke). Revoking twice is harmless."""
        self.stats._add("writes")
        self._send(
            "POST",
            f"{self.base_url}/oauth/revoke",
            headers={"Accept": "application/json"},
            data={"client_id": self.client_id, "client_secret": self._client_secret, "token": token},
            idempotent=True,
            ok=(200, 204),
            secrets=[token],
        )
