"""The simulator's data: clients, tokens, records, items, faults (plain dataclasses, no behaviour
beyond small helpers). One lock in `Simulator` guards them all."""

from __future__ import annotations

import datetime as dt
import random
import string
import time
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from stdnum.iso7064 import mod_11_2

from orcid_simulator.identifiers import normalise
from orcid_simulator.schema import NS

VISIBILITIES = ("public", "limited", "private")
# "unclaimed" (409 9036) is beyond CONTRACT §6: a record created for the researcher and not yet
# claimed answers every client but its creator so (the simulator has no creators: every client).
RECORD_STATES = ("active", "locked", "deactivated", "deprecated", "unclaimed")
# Scopes a member client may ask for in the three-legged flow, and in client credentials.
USER_SCOPES = frozenset({"/authenticate", "/read-limited", "/activities/update", "/person/update", "/read-public",
                         "openid"})
CLIENT_CREDENTIALS_SCOPES = frozenset({"/read-public", "/webhook", "/premium-notification"})
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
    # The `self` external ids as (type, value, ORCID's normalised value), kept with the body (the
    # duplicate check reads them on every write, so they are not worked out again each time).
    _self_ids: list[tuple[str, str, str | None]] | None = None
    _keyed_body: etree._Element | None = None

    def self_ids(self) -> list[tuple[str, str, str | None]]:
        if self._self_ids is None or self._keyed_body is not self.body:
            self._self_ids = self_external_ids(self.body)
            self._keyed_body = self.body
        return self._self_ids

    def set_self_ids(self, ids: list[tuple[str, str, str | None]]) -> None:
        """The `self` ids of the current body, read already (self_external_ids of an equal element)."""
        self._self_ids = ids
        self._keyed_body = self.body


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
    # ORCID's record states (OrcidSecurityManagerImpl.checkProfile): active, locked, deactivated,
    # deprecated (into `primary`).
    state: str = "active"
    primary: str | None = None
    deprecated_at: dt.datetime | None = None
    # Permission notifications sent to the record's inbox (POST /notification-permission).
    notifications: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


_C = f"{{{NS['common']}}}"
_EXTERNAL_IDS, _EXTERNAL_ID, _ID_TYPE, _ID_VALUE, _ID_RELATIONSHIP = (
    _C + name for name in ("external-ids", "external-id", "external-id-type", "external-id-value",
                           "external-id-relationship"))


def _first_text(element: etree._Element, tag: str) -> str:
    """paths.findtext(element, tag, ""): the first such child's text, "" for none."""
    for child in element.iterchildren(tag):
        return child.text or ""
    return ""


def external_ids(body: etree._Element) -> list[tuple[str, str, str]]:
    """(type, value, relationship) of each common:external-ids/common:external-id, stripped."""
    return [(_first_text(ext, _ID_TYPE).strip(), _first_text(ext, _ID_VALUE).strip(),
             _first_text(ext, _ID_RELATIONSHIP).strip())
            for holder in body.iterchildren(_EXTERNAL_IDS) for ext in holder.iterchildren(_EXTERNAL_ID)]


def self_external_ids(body: etree._Element) -> list[tuple[str, str, str | None]]:
    """The `self` (or relationship-less) external ids with ORCID's normalised values."""
    return [(t, v, normalise(t, v)) for t, v, rel in external_ids(body) if rel in ("self", "")]


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
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503, 504])  # the ones to pick from
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
        return {"error_rate": self.error_rate, "error_statuses": list(self.error_statuses),
                "latency_ms": list(self.latency_ms),
                "rate_limit_burst": self.rate_limit_burst, "drop_after_commit_rate": self.drop_after_commit_rate,
                "paths": self.paths, "methods": self.methods}



SERVER_ATTRIBUTES = ("put-code", "visibility", "path", "display-index")
SERVER_ELEMENTS = ("created-date", "last-modified-date", "source")
_SERVER_TAGS = tuple(_C + name for name in SERVER_ELEMENTS)


def strip_server_fields(body: etree._Element) -> etree._Element:
    """The fields ORCID sets itself and ignores in a request."""
    for attribute in SERVER_ATTRIBUTES:
        body.attrib.pop(attribute, None)
    for tag in _SERVER_TAGS:
        for child in list(body.iterchildren(tag)):
            body.remove(child)
    return body


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)



@dataclass
class TokenFaults:
    """The next `count` calls to /oauth/token fail: `status` 401 answers ORCID's
    {"error": "server_error"} (its authorisation server threw), 500 the same with status 500,
    502/503/504 nginx's page. `grant_types` (empty: all) limits them to those grants."""

    count: int = 0
    status: int = 401
    grant_types: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {"count": self.count, "status": self.status, "grant_types": self.grant_types}
