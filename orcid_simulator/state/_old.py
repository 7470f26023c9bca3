"""The simulator's in-memory ORCID: clients, records, items, tokens, webhooks. One lock guards it all.

Everything here follows ORCID's behaviour; the HTTP layer (`orcid_simulator.app`) only parses
requests and renders answers. Methods raise `ApiError` / `OAuthError` with ORCID's codes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import random
import secrets
import string
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from stdnum.iso7064 import mod_11_2

from orcid_client.identifiers import normalise_external_id
from orcid_simulator.errors import ApiError, OAuthError
from orcid_simulator.schema import NS, iso_now

logger = logging.getLogger(__name__)

KINDS = ("work", "employment")
VISIBILITIES = ("public", "limited", "private")
# Scopes a member client may ask for in the three-legged flow, and in client credentials.
USER_SCOPES = frozenset({"/authenticate", "/read-limited", "/activities/update", "/person/update", "/read-public",
                         "openid"})
CLIENT_CREDENTIALS_SCOPES = frozenset({"/read-public", "/webhook"})
DEFAULT_SCOPES = "/activities/update /read-limited"
# ORCID's access tokens live ~20 years (expires_in 631138518 seconds).
TOKEN_LIFETIME = 631138518
CODE_LIFETIME = 600
# ORCID refuses more works on one record (409 9048, ExceedMaxNumberOfElementsException).
MAX_WORKS = 10000


@dataclass
class TokenBucket:
    """A token bucket: `rate` per second, up to `burst` at once (ORCID's member limits: 24/s, burst 40)."""

    rate: float
    burst: float
    tokens: float = -1.0
    updated: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        if self.tokens < 0:
            self.tokens = self.burst
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Client:
    client_id: str
    secret: str
    name: str
    redirect_uris: list[str] = field(default_factory=list)
    rate: float = 24.0
    burst: float = 40.0
    member: bool = True
    bucket: TokenBucket | None = None

    def public(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "name": self.name, "redirect_uris": self.redirect_uris,
                "rate": self.rate, "burst": self.burst, "member": self.member}


@dataclass
class Token:
    access_token: str
    refresh_token: str | None
    client_id: str
    orcid: str | None
    scopes: frozenset[str]
    created: float
    expires_at: float
    # active | revoked_by_client | revoked_by_researcher | replaced (refresh with revoke_old)
    status: str = "active"

    def scope_string(self) -> str:
        return " ".join(sorted(self.scopes))


@dataclass
class AuthCode:
    code: str
    client_id: str
    orcid: str
    scopes: frozenset[str]
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass
class Item:
    put_code: int
    kind: str
    orcid: str
    source_client_id: str
    source_name: str
    visibility: str
    created: dt.datetime
    modified: dt.datetime
    # The item's own content: the element as written, without put-code, visibility, path,
    # created/modified dates and source (ORCID sets those).
    body: etree._Element
    # The normalised `self` external ids, kept with the body (the duplicate check reads them on
    # every write, so they are not worked out again each time).
    _self_keys: frozenset[tuple[str, str]] | None = None
    _keyed_body: etree._Element | None = None

    def self_keys(self) -> frozenset[tuple[str, str]]:
        if self._self_keys is None or self._keyed_body is not self.body:
            self._self_keys = frozenset((t, normalise_external_id(t, v))
                                        for t, v, rel in external_ids(self.body) if rel == "self")
            self._keyed_body = self.body
        return self._self_keys


@dataclass
class Record:
    orcid: str
    given_names: str
    family_name: str
    created: dt.datetime
    modified: dt.datetime
    default_visibility: str = "public"
    items: dict[int, Item] = field(default_factory=dict)
    # callback URL -> client id that registered it
    webhooks: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


def external_ids(body: etree._Element) -> list[tuple[str, str, str]]:
    out = []
    for ext in body.findall("common:external-ids/common:external-id", NS):
        out.append((
            (ext.findtext("common:external-id-type", "", NS) or "").strip(),
            (ext.findtext("common:external-id-value", "", NS) or "").strip(),
            (ext.findtext("common:external-id-relationship", "", NS) or "").strip(),
        ))
    return out


def orcid_checksum(base15: str) -> str:
    return mod_11_2.calc_check_digit(base15)


def new_orcid(rng: random.Random) -> str:
    """A fresh iD in the 0000-0002-xxxx-xxxx block with a valid ISO 7064 11,2 check digit."""
    digits = "00000002" + "".join(rng.choice(string.digits) for _ in range(7))
    digits += orcid_checksum(digits)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


@dataclass
class Faults:
    """Faults switched on through the control interface. `paths`: only requests whose path
    contains one of these strings are affected (empty: all API and OAuth calls)."""

    error_rate: float = 0.0  # probability of a random 500/502/503/504
    latency_ms: tuple[int, int] = (0, 0)
    rate_limit_burst: int = 0  # the next N API calls answer 503 (a 503 burst)
    drop_after_commit_rate: float = 0.0  # probability that a POST is committed, then the connection dropped
    paths: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)

    def applies(self, method: str, path: str) -> bool:
        if self.paths and not any(p in path for p in self.paths):
            return False
        if self.methods and method.upper() not in {m.upper() for m in self.methods}:
            return False
        return True

    def public(self) -> dict[str, Any]:
        return {"error_rate": self.error_rate, "latency_ms": list(self.latency_ms),
                "rate_limit_burst": self.rate_limit_burst, "drop_after_commit_rate": self.drop_after_commit_rate,
                "paths": self.paths, "methods": self.methods}


class Simulator:
    """ORCID in memory. Every public method takes the lock; webhook notifications are queued
    and sent after it is released, from a background thread."""

    def __init__(self, *, demo_client_id: str, demo_client_secret: str, rate: float = 24.0, burst: float = 40.0,
                 public_base_url: str = "", state_file: str | Path | None = None, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.demo_client_id = demo_client_id
        self.demo_client_secret = demo_client_secret
        self.default_rate = self.initial_rate = rate
        self.default_burst = self.initial_burst = burst
        self.public_base_url = public_base_url
        self.state_file = Path(state_file) if state_file else None
        self.webhook_sender = WebhookSender()
        self._reset_locked()
        if self.state_file and self.state_file.exists():
            self.load(self.state_file)

    # ---- set-up ---------------------------------------------------------------------
    def _reset_locked(self) -> None:
        self.clients: dict[str, Client] = {}
        self.records: dict[str, Record] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh_index: dict[str, str] = {}
        self.codes: dict[str, AuthCode] = {}
        self.next_put_code = 1000
        self.faults = Faults()
        self.max_works = MAX_WORKS
        self.calls: list[dict[str, Any]] = []
        self.register_client(client_id=self.demo_client_id, secret=self.demo_client_secret,
                             name="ORCID portal (demo member client)")

    def reset(self) -> None:
        """Back to the start: no records, tokens, faults or calls; only the demo client, with the
        rate limit the simulator was started with."""
        with self.lock:
            self.default_rate, self.default_burst = self.initial_rate, self.initial_burst
            self._reset_locked()
        self.save()

    def register_client(self, *, client_id: str | None = None, secret: str | None = None, name: str = "",
                        redirect_uris: list[str] | None = None, rate: float | None = None,
                        burst: float | None = None, member: bool = True) -> Client:
        """Add (or replace) a client with its own rate-limit bucket."""
        with self.lock:
            client_id = client_id or "APP-" + "".join(self.rng.choice(string.ascii_uppercase + string.digits)
                                                      for _ in range(16))
            client = Client(
                client_id=client_id,
                secret=secret or str(uuid.uuid4()),
                name=name or client_id,
                redirect_uris=list(redirect_uris or []),
                rate=float(rate if rate is not None else self.default_rate),
                burst=float(burst if burst is not None else self.default_burst),
                member=member,
            )
            client.bucket = TokenBucket(client.rate, client.burst)
            self.clients[client_id] = client
            return client

    def set_rate_limit(self, *, rate: float, burst: float) -> None:
        with self.lock:
            self.default_rate, self.default_burst = rate, burst
            for client in self.clients.values():
                client.rate, client.burst = rate, burst
                client.bucket = TokenBucket(rate, burst)

    # ---- records ----------------------------------------------------------------------
    def create_record(self, *, given_names: str = "", family_name: str = "") -> Record:
        with self.lock:
            while True:
                orcid = new_orcid(self.rng)
                if orcid not in self.records:
                    break
            now = _now()
            record = Record(orcid=orcid, given_names=given_names or "Sam", family_name=family_name or "Researcher",
                            created=now, modified=now)
            self.records[orcid] = record
            return record

    def record(self, orcid: str) -> Record:
        record = self.records.get(orcid)
        if record is None:
            # OrcidNoResultException: 404 9016 (ORCID answers the same for an unknown iD).
            raise ApiError(9016, detail=f"Unable to find the record for {orcid}")
        return record

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
            if old is None or old.client_id != client.client_id or old.status in ("revoked_by_client",
                                                                                   "revoked_by_researcher"):
                raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
            if old.status == "replaced":
                raise OAuthError(400, "invalid_grant", f"Invalid refresh token: {refresh_token}")
            scopes = old.scopes
            if scope:
                wanted = frozenset(scope.replace(",", " ").split())
                if not wanted <= old.scopes:
                    raise OAuthError(400, "invalid_scope", "The scope requested is not allowed for this token")
                scopes = wanted
            token = self._new_token(client_id=client.client_id, orcid=old.orcid, scopes=scopes,
                                    expires_at=old.expires_at)
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
        active = token.status == "active" and time.time() < token.expires_at
        if not active:
            if method == "DELETE" and token.status == "revoked_by_researcher":
                return token
            raise invalid
        return token

    # ---- items -------------------------------------------------------------------------
    def _allocate_put_code(self) -> int:
        self.next_put_code += 1
        return self.next_put_code

    def _duplicate_of(self, record: Record, kind: str, client_id: str, body: etree._Element,
                      ignore: int | None = None) -> Item | None:
        """ORCID's checkExternalIdentifiersForDuplicates: an item of the same kind from the same
        source sharing a normalised `self` external id. Other sources' items never conflict."""
        new_keys = {(t, normalise_external_id(t, v)) for t, v, rel in external_ids(body) if rel == "self"}
        if not new_keys:
            return None
        for item in record.items.values():
            if item.kind != kind or item.source_client_id != client_id or item.put_code == ignore:
                continue
            if item.self_keys() & new_keys:
                return item
        return None

    def create_item(self, *, orcid: str, kind: str, body: etree._Element, client: Client,
                    visibility: str | None = None, source_name: str | None = None) -> Item:
        """Add a validated item to the record; 409 9021 when the same client already has one
        with the same `self` identifier."""
        with self.lock:
            record = self.record(orcid)
            self._check_room(record, kind)
            duplicate = self._duplicate_of(record, kind, client.client_id, body)
            if duplicate is not None:
                raise ApiError(9021, params={"putCode": str(duplicate.put_code), "clientName": client.name})
            item = self._add_item_locked(record, kind, body, client.client_id, source_name or client.name,
                                         visibility or record.default_visibility)
        self._notify(orcid)
        return item

    def _check_room(self, record: Record, kind: str) -> None:
        if kind == "work" and sum(1 for i in record.items.values() if i.kind == "work") >= self.max_works:
            raise ApiError(9048)

    def _add_item_locked(self, record: Record, kind: str, body: etree._Element, client_id: str, source_name: str,
                         visibility: str) -> Item:
        now = _now()
        body = strip_server_fields(copy.deepcopy(body))
        item = Item(self._allocate_put_code(), kind, record.orcid, client_id, source_name, visibility, now, now, body)
        record.items[item.put_code] = item
        record.modified = now
        return item

    def create_items_bulk(self, *, orcid: str, elements: list[etree._Element | ApiError],
                          client: Client) -> list[Item | ApiError]:
        """ORCID's bulk: each work is checked and added on its own; a duplicate inside the
        same request is a duplicate too."""
        results: list[Item | ApiError] = []
        with self.lock:
            record = self.record(orcid)
            for element in elements:
                if isinstance(element, ApiError):
                    results.append(element)
                    continue
                try:
                    self._check_room(record, "work")
                except ApiError as error:
                    results.append(error)
                    continue
                duplicate = self._duplicate_of(record, "work", client.client_id, element)
                if duplicate is not None:
                    results.append(ApiError(9021, params={"putCode": str(duplicate.put_code),
                                                          "clientName": client.name}))
                    continue
                results.append(self._add_item_locked(record, "work", element, client.client_id, client.name,
                                                     record.default_visibility))
        if any(isinstance(r, Item) for r in results):
            self._notify(orcid)
        return results

    def item(self, *, orcid: str, kind: str, put_code: int) -> Item:
        record = self.record(orcid)
        item = record.items.get(put_code)
        if item is None or item.kind != kind:
            raise ApiError(9016, detail=f"No entity found with id: {put_code}")
        return item

    def update_item(self, *, orcid: str, kind: str, put_code: int, body: etree._Element, client: Client) -> Item:
        with self.lock:
            record = self.record(orcid)
            item = self.item(orcid=orcid, kind=kind, put_code=put_code)
            if item.source_client_id != client.client_id:
                raise ApiError(9010, params={"activity": "work"})
            duplicate = self._duplicate_of(record, kind, client.client_id, body, ignore=put_code)
            if duplicate is not None:
                raise ApiError(9021, params={"putCode": str(duplicate.put_code), "clientName": client.name})
            item.body = strip_server_fields(copy.deepcopy(body))
            item.modified = _now()
            record.modified = item.modified
        self._notify(orcid)
        return item

    def delete_item(self, *, orcid: str, kind: str, put_code: int, client: Client | None) -> None:
        """Delete an item. `client` None: the researcher deletes it on orcid.org."""
        with self.lock:
            record = self.record(orcid)
            item = self.item(orcid=orcid, kind=kind, put_code=put_code)
            if client is not None and item.source_client_id != client.client_id:
                raise ApiError(9010, params={"activity": "work"})
            del record.items[put_code]
            record.modified = _now()
        self._notify(orcid)

    def researcher_delete(self, *, orcid: str, put_code: int) -> None:
        with self.lock:
            record = self.record(orcid)
            item = record.items.get(put_code)
            if item is None:
                raise ApiError(9016)
            kind = item.kind
        self.delete_item(orcid=orcid, kind=kind, put_code=put_code, client=None)

    def researcher_set_visibility(self, *, orcid: str, put_code: int, visibility: str) -> Item:
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
        with self.lock:
            record = self.record(orcid)
            item = record.items.get(put_code)
            if item is None:
                raise ApiError(9016)
            item.visibility = visibility
            item.modified = _now()
            record.modified = item.modified
        self._notify(orcid)
        return item

    # ---- reading -------------------------------------------------------------------------
    def visible_to(self, item: Item, token: Token) -> bool:
        """OrcidSecurityManager.checkAndFilter: public items to anyone with a token for the record,
        the client's own items always, limited ones with a read-limited or update scope, private
        ones only to their source."""
        if item.source_client_id == token.client_id:
            return True
        if item.visibility == "public":
            return True
        if item.visibility == "limited" and token.orcid == item.orcid and (
                token.scopes & {"/read-limited", "/activities/read-limited", "/activities/update"}):
            return True
        return False

    # ---- webhooks ------------------------------------------------------------------------
    def webhook_register(self, *, orcid: str, url: str, client: Client) -> bool:
        """True when the callback is new (201), False when it was already there (204)."""
        with self.lock:
            record = self.record(orcid)
            new = url not in record.webhooks
            record.webhooks[url] = client.client_id
            return new

    def webhook_unregister(self, *, orcid: str, url: str, client: Client) -> None:
        with self.lock:
            record = self.record(orcid)
            if url not in record.webhooks:
                raise ApiError(9016, detail=f"No webhook found for orcid={orcid}, and uri={url}")
            del record.webhooks[url]

    def _notify(self, orcid: str) -> None:
        with self.lock:
            record = self.records.get(orcid)
            urls = list(record.webhooks) if record else []
        for url in urls:
            self.webhook_sender.send(url)
        self.save()

    # ---- call log and faults --------------------------------------------------------------
    def log_call(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(entry)
            if len(self.calls) > 20000:
                del self.calls[: len(self.calls) - 20000]

    # ---- the control view of a record ------------------------------------------------------
    def snapshot(self, orcid: str, render_json) -> dict[str, Any]:
        with self.lock:
            record = self.record(orcid)
            return {
                "orcid": record.orcid,
                "name": record.name,
                "given_names": record.given_names,
                "family_name": record.family_name,
                "default_visibility": record.default_visibility,
                "webhooks": [{"url": url, "client_id": cid} for url, cid in record.webhooks.items()],
                "tokens": [
                    {"client_id": t.client_id, "scope": t.scope_string(), "status": t.status,
                     "access_token_hint": t.access_token[:8] + "…"}
                    for t in self.tokens.values() if t.orcid == orcid
                ],
                "items": [
                    {
                        "put_code": item.put_code,
                        "kind": item.kind,
                        "source_client_id": item.source_client_id,
                        "source_name": item.source_name,
                        "visibility": item.visibility,
                        "created": iso_now(item.created),
                        "last_modified": iso_now(item.modified),
                        "body": render_json(item),
                    }
                    for item in record.items.values()
                ],
            }

    # ---- persistence (optional) ---------------------------------------------------------------
    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            data = {
                "next_put_code": self.next_put_code,
                "default_rate": self.default_rate,
                "default_burst": self.default_burst,
                "clients": [
                    {**c.public(), "secret": c.secret} for c in self.clients.values()
                ],
                "tokens": [t.__dict__ | {"scopes": sorted(t.scopes)} for t in self.tokens.values()],
                "records": [
                    {
                        "orcid": r.orcid, "given_names": r.given_names, "family_name": r.family_name,
                        "created": r.created.isoformat(), "modified": r.modified.isoformat(),
                        "default_visibility": r.default_visibility, "webhooks": r.webhooks,
                        "items": [
                            {"put_code": i.put_code, "kind": i.kind, "source_client_id": i.source_client_id,
                             "source_name": i.source_name, "visibility": i.visibility,
                             "created": i.created.isoformat(), "modified": i.modified.isoformat(),
                             "body": etree.tostring(i.body, encoding="unicode")}
                            for i in r.items.values()
                        ],
                    }
                    for r in self.records.values()
                ],
            }
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.state_file)

    def load(self, path: Path) -> None:
        data = json.loads(Path(path).read_text())
        with self.lock:
            self.next_put_code = data.get("next_put_code", self.next_put_code)
            saved_default = (data.get("default_rate"), data.get("default_burst"))
            for c in data.get("clients", []):
                # A client on the saved run's default limit takes this run's (--rate/--burst);
                # one registered with its own limit keeps it.
                on_default = (c.get("rate"), c.get("burst")) == saved_default or c["client_id"] == self.demo_client_id
                self.register_client(client_id=c["client_id"], secret=c["secret"], name=c["name"],
                                     redirect_uris=c.get("redirect_uris"),
                                     rate=None if on_default else c.get("rate"),
                                     burst=None if on_default else c.get("burst"), member=c.get("member", True))
            # The demo client's secret comes from settings, whatever the file says.
            self.clients[self.demo_client_id].secret = self.demo_client_secret
            for t in data.get("tokens", []):
                token = Token(**{**t, "scopes": frozenset(t["scopes"])})
                self.tokens[token.access_token] = token
                if token.refresh_token:
                    self.refresh_index[token.refresh_token] = token.access_token
            for r in data.get("records", []):
                record = Record(r["orcid"], r["given_names"], r["family_name"],
                                dt.datetime.fromisoformat(r["created"]), dt.datetime.fromisoformat(r["modified"]),
                                r.get("default_visibility", "public"), webhooks=r.get("webhooks", {}))
                for i in r["items"]:
                    record.items[i["put_code"]] = Item(
                        i["put_code"], i["kind"], r["orcid"], i["source_client_id"], i["source_name"],
                        i["visibility"], dt.datetime.fromisoformat(i["created"]),
                        dt.datetime.fromisoformat(i["modified"]), etree.fromstring(i["body"]))
                self.records[record.orcid] = record


SERVER_ATTRIBUTES = ("put-code", "visibility", "path", "display-index")
SERVER_ELEMENTS = ("created-date", "last-modified-date", "source")


def strip_server_fields(body: etree._Element) -> etree._Element:
    """The fields ORCID sets itself and ignores in a request."""
    for attribute in SERVER_ATTRIBUTES:
        body.attrib.pop(attribute, None)
    for name in SERVER_ELEMENTS:
        for child in body.findall(f"common:{name}", NS):
            body.remove(child)
    return body


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class WebhookSender:
    """Posts an empty body to callbacks from background threads, as ORCID's scheduler does, so
    that a slow or dead callback never holds up an API call (nor, with a few senders, the
    other callbacks)."""

    def __init__(self, workers: int = 4) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orcid-simulator-webhook")
        self.sent: list[tuple[str, int | None]] = []
        self._pending: set = set()
        self._lock = threading.Lock()

    def send(self, url: str) -> None:
        future = self.pool.submit(self._post, url)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every callback queued so far has been posted (or has failed); False if
        some are still under way after `timeout` seconds."""
        from concurrent.futures import wait

        with self._lock:
            pending = set(self._pending)
        return not wait(pending, timeout=timeout).not_done

    def _post(self, url: str) -> None:
        import requests

        status: int | None = None
        try:
            # One connection per callback, closed after it: nothing is kept open towards the
            # callback's server (which may be stopped at any time, as a test's live server is).
            status = requests.post(url, data=b"", headers={"Connection": "close"}, timeout=(2, 5)).status_code
        except requests.RequestException as exc:
            logger.info("webhook %s failed: %s", url, exc.__class__.__name__)
        self.sent.append((url, status))
        if len(self.sent) > 10000:
            del self.sent[:5000]

    def close(self) -> None:
        """Stop sending: callbacks still queued are dropped, those under way finish."""
        self.pool.shutdown(wait=True, cancel_futures=True)
