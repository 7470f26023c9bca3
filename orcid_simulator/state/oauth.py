"""ORCID's OAuth server and bearer-token checks (Spring Security OAuth2 / OrcidBearerTokenFilter)."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from typing import Any

from orcid_simulator.errors import OAuthError
from orcid_simulator.state.models import (
    CLIENT_CREDENTIALS_SCOPES, CODE_LIFETIME, DEFAULT_SCOPES, TOKEN_LIFETIME, AuthCode, Client, Token,
)


class OAuthState:
    """Mixed into `Simulator`: codes, tokens, grants, revocation."""

    # ---- OAuth -----------------------------------------------------------------------
    def client_check(self, client_id: str | None, secret: str | None) -> Client:
        client = self.clients.get(client_id or "")
        if client is None or secret is None or not secrets.compare_digest(client.secret, secret):
            raise OAuthError(401, "invalid_client", "Bad client credentials")
        return client

    def redirect_allowed(self, client: Client, redirect_uri: str) -> bool:
        """ORCID matches a redirect URI against the client's registered ones (same scheme, host,
        and a path beginning with a registered one). The demo client accepts any address on
        127.0.0.1 / localhost, so that the portal works on any port."""
        from urllib.parse import urlsplit

        parts = urlsplit(redirect_uri or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        if not client.redirect_uris:
            return parts.hostname in ("127.0.0.1", "localhost", "::1")
        for registered in client.redirect_uris:
            reg = urlsplit(registered)
            if (reg.scheme, reg.netloc) == (parts.scheme, parts.netloc) and parts.path.startswith(reg.path):
                return True
        return False

    def parse_scopes(self, scope: str, allowed: frozenset[str]) -> frozenset[str]:
        scopes = frozenset(s for s in (scope or "").replace(",", " ").split() if s)
        bad = scopes - allowed
        if not scopes or bad:
            raise OAuthError(400, "invalid_scope", f"Invalid scope: {' '.join(sorted(bad)) or scope}")
        return scopes

    def issue_code(self, *, client: Client, orcid: str, scopes: frozenset[str], redirect_uri: str) -> str:
        """A single-use authorization code (6 characters, as ORCID's), valid 10 minutes."""
        with self.lock:
            alphabet = string.ascii_letters + string.digits
            while True:
                code = "".join(self.rng.choice(alphabet) for _ in range(6))
                if code not in self.codes:
                    break
            self.codes[code] = AuthCode(code, client.client_id, orcid, scopes, redirect_uri,
                                        time.time() + CODE_LIFETIME)
            return code

    def _new_token(self, *, client_id: str, orcid: str | None, scopes: frozenset[str], refresh: bool = True,
                   expires_at: float | None = None) -> Token:
        now = time.time()
        token = Token(
            access_token=str(uuid.uuid4()),
            refresh_token=str(uuid.uuid4()) if refresh else None,
            client_id=client_id,
            orcid=orcid,
            scopes=scopes,
            created=now,
            expires_at=expires_at if expires_at is not None else now + TOKEN_LIFETIME,
        )
        self.tokens[token.access_token] = token
        if token.refresh_token:
            self.refresh_index[token.refresh_token] = token.access_token
        return token

    def token_json(self, token: Token) -> dict[str, Any]:
        """The token answer exactly as ORCID gives it."""
        body: dict[str, Any] = {
            "access_token": token.access_token,
            "token_type": "bearer",
            "refresh_token": token.refresh_token,
            "expires_in": max(0, int(token.expires_at - time.time())),
            "scope": token.scope_string(),
        }
        if token.orcid:
            record = self.records.get(token.orcid)
            body["name"] = record.name if record else None
            body["orcid"] = token.orcid
        else:
            # Client credentials: https://info.orcid.org/faq/how-do-i-get-read-public-access-to-the-api/
            # shows a refresh token and "orcid": null, no name.
            body["orcid"] = None
        return body

    def grant_authorization_code(self, *, client: Client, code: str, redirect_uri: str | None) -> dict[str, Any]:
        with self.lock:
            auth = self.codes.get(code or "")
            if auth is None or auth.used or auth.client_id != client.client_id:
                raise OAuthError(400, "invalid_grant", f"Invalid authorization code: {code}")
            if time.time() > auth.expires_at:
                auth.used = True
                raise OAuthError(400, "invalid_grant", f"Invalid authorization code: {code}")
            if redirect_uri is not None and redirect_uri != auth.redirect_uri:
                raise OAuthError(400, "invalid_grant", "Redirect URI mismatch.")
            auth.used = True
            token = self._new_token(client_id=client.client_id, orcid=auth.orcid, scopes=auth.scopes)
            return self.token_json(token)

    def grant_refresh_token(self, *, client: Client, refresh_token: str, scope: str | None,
                            revoke_old: bool) -> dict[str, Any]:
        """ORCID's refresh: a new access token (and refresh token) with the same or a narrower
        scope and the old one's expiry; `revoke_old=true` kills the old access token at once."""
        with self.lock:
            old = self.tokens.get(self.refresh_index.get(refresh_token or "", ""))
            if old is None or old.client_id != client.client_id or old.status in (
                    "revoked_by_client", "revoked_by_researcher", "disabled"):
                raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
            if old.status == "replaced":
                raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
            scopes = old.scopes
            if scope:
                wanted = frozenset(scope.replace(",", " ").split())
                if not wanted <= old.scopes:
                    raise OAuthError(400, "invalid_scope", "The scope requested is not allowed for this token")
                scopes = wanted
            # A token expired early (the control interface) is replaced by one of a full lifetime.
            token = self._new_token(client_id=client.client_id, orcid=old.orcid, scopes=scopes,
                                    expires_at=old.expires_at if old.expires_at > time.time() else None)
            if revoke_old:
                old.status = "replaced"
            return self.token_json(token)

    def grant_client_credentials(self, *, client: Client, scope: str) -> dict[str, Any]:
        with self.lock:
            scopes = self.parse_scopes(scope, CLIENT_CREDENTIALS_SCOPES)
            token = self._new_token(client_id=client.client_id, orcid=None, scopes=scopes)
            return self.token_json(token)

    def revoke_by_client(self, *, client: Client, token_value: str) -> None:
        """POST /oauth/revoke: the token (access or refresh) dies for every call, DELETE included.
        ORCID answers 200 whether or not the token existed."""
        with self.lock:
            access = self.refresh_index.get(token_value, token_value)
            token = self.tokens.get(access)
            if token is not None and token.client_id == client.client_id:
                token.status = "revoked_by_client"

    def revoke_by_researcher(self, *, orcid: str, client_id: str | None = None) -> int:
        """The researcher removes a trusted organisation: all its tokens for the record stop
        working, except for DELETE of that client's items (ORCID keeps that door open)."""
        with self.lock:
            self.record(orcid)
            count = 0
            for token in self.tokens.values():
                if token.orcid == orcid and (client_id is None or token.client_id == client_id) \
                        and token.status == "active":
                    token.status = "revoked_by_researcher"
                    count += 1
        # Not a change to the record's content: no webhook call.
        self.save()
        return count

    def issue_token_for_record(self, *, orcid: str, client_id: str, scopes: str) -> Token:
        """A token as if the researcher had just granted `scopes` to `client_id` (control interface)."""
        with self.lock:
            self.record(orcid)
            if client_id not in self.clients:
                raise KeyError(client_id)
            return self._new_token(client_id=client_id, orcid=orcid,
                                   scopes=frozenset((scopes or DEFAULT_SCOPES).split()))

    def expire_token(self, access_token: str) -> bool:
        """Make a token expire now; False when there is no such token."""
        with self.lock:
            token = self.tokens.get(access_token)
            if token:
                token.expires_at = time.time() - 1
            return token is not None

    # ---- bearer authentication --------------------------------------------------------
    def authenticate(self, access_token: str | None, method: str) -> Token:
        """The token of a member-API call (OrcidBearerTokenFilter)."""
        if not access_token:
            raise OAuthError(403, "forbidden", "Forbidden: The server understood the request but refuses to "
                                               "authorize it.")
        token = self.tokens.get(access_token)
        invalid = OAuthError(401, "invalid_token", f"Invalid access token: {access_token}")
        if token is None:
            raise invalid
        if token.status == "active" and time.time() >= token.expires_at:
            # Spring's token services: an expired (not revoked) token is named as such.
            raise OAuthError(401, "invalid_token", f"Access token expired: {access_token}")
        if token.status != "active":
            if method == "DELETE" and token.status == "revoked_by_researcher":
                return token
            raise invalid
        return token

