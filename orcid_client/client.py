"""`OrcidClient`: every call the portal makes to ORCID goes through here.

One client owns one pooled `requests.Session` and may be shared by many threads (the sync runs
researchers in parallel). Its jobs, one module each:

- orcid_client/transport.py: the one request loop (rate limiter, timeouts, retries with
  backoff and full jitter, `Retry-After`, when a write may be retried, `OutcomeUnknown`, the
  typed errors of `orcid_client.errors`, logging without tokens), URLs and headers;
- orcid_client/oauth.py: the token calls;
- orcid_client/activities.py: the generic activity calls (affiliation sections, funding);
- here: the client's settings, works, employments, the record, webhooks, the notification
  permission, and `default_client()`, the process's one client.

The names callers import from here (`OrcidClient`, `default_client`, `ClientStats`,
`API_VERSION`, `BULK_LIMIT`, the documents and errors below) stay importable from here.
"""

from __future__ import annotations

import copy
import hashlib
import random
import threading
import time
from typing import Any, Callable, Sequence
from urllib.parse import quote

from orcid_client import documents
from orcid_client.activities import ActivitiesMixin
from orcid_client.documents import (
    JSON,
    MEDIA_TYPES,
    XML,
    AffiliationSummary,
    Body,
    OrcidRecord,
    OrcidToken,
    WorkSummary,
)
from orcid_client.errors import NotFound, OrcidError, OutcomeUnknown, RateLimited, Unavailable
from orcid_client.oauth import OAuthMixin
from orcid_client.ratelimit import RateLimiter, default_rate_limiter
from orcid_client.transport import (
    API_VERSION,
    DEFAULT_POOL_SIZE,
    MAX_RETRY_AFTER,
    ClientStats,
    TransportMixin,
    _setting,
)

__all__ = [
    "OrcidClient",
    "default_client",
    "ClientStats",
    "OrcidToken",
    "WorkSummary",
    "AffiliationSummary",
    "OrcidRecord",
    "API_VERSION",
    "BULK_LIMIT",
    "MAX_RETRY_AFTER",
]

# ORCID takes at most 100 works in one bulk POST (error 9006 beyond).
BULK_LIMIT = 100

class OrcidClient(OAuthMixin, TransportMixin, ActivitiesMixin):
    """The portal's client for ORCID's OAuth server and member API v3.0.

    Every argument defaults to the matching setting (CONTRACT §2). `read_format` chooses
    what reads ask for (`"json"` or `"xml"`); writes go in the format of their body (`bytes`
    is v3.0 XML, `dict` is v3.0 JSON). Tests pass `backoff_base`, `sleep` and a limiter.
    The affiliation sections and funding are the generic `activity_*` calls of
    `orcid_client.activities.ActivitiesMixin`.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        rate_limiter: RateLimiter | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_retries: int | None = None,
        backoff_base: float | None = None,
        backoff_cap: float | None = None,
        read_format: str = JSON,
        pool_size: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = (base_url or _setting("ORCID_BASE_URL", "")).rstrip("/")
        self.api_url = (api_url or _setting("ORCID_API_URL", "")).rstrip("/")
        self.client_id = client_id if client_id is not None else _setting("ORCID_CLIENT_ID", "")
        self._client_secret = client_secret if client_secret is not None else _setting("ORCID_CLIENT_SECRET", "")
        self.rate_limiter = rate_limiter if rate_limiter is not None else default_rate_limiter()
        self.connect_timeout = float(connect_timeout if connect_timeout is not None else _setting("ORCID_CONNECT_TIMEOUT", 5.0))
        self.read_timeout = float(read_timeout if read_timeout is not None else _setting("ORCID_READ_TIMEOUT", 30.0))
        self.max_retries = int(max_retries if max_retries is not None else _setting("ORCID_MAX_RETRIES", 4))
        self.backoff_base = float(backoff_base if backoff_base is not None else _setting("ORCID_BACKOFF_BASE", 0.5))
        self.backoff_cap = float(backoff_cap if backoff_cap is not None else _setting("ORCID_BACKOFF_CAP", 30.0))
        if read_format not in (JSON, XML):
            raise ValueError("read_format is 'json' or 'xml'")
        self.read_format = read_format
        self._sleep = sleep
        self._random = random.SystemRandom()
        self.stats = ClientStats()
        self.session = self._build_session(int(pool_size or _setting("ORCID_HTTP_POOL_SIZE", DEFAULT_POOL_SIZE)))

    def __repr__(self) -> str:
        return f"<OrcidClient api={self.api_url!r} client_id={self.client_id!r}>"

    # -----------------------------------------------------------------------------------------
    # Member API: activities, generic
    # -----------------------------------------------------------------------------------------

    def _item_create(self, orcid: str, access_token: str, item: str, body: Body) -> int:
        headers, fmt = self._write_headers(access_token, body)
        self.stats._add("writes")
        response = self._send(
            "POST",
            self._api(orcid, item),
            headers=headers,
            data=documents.encode_body(documents.without_put_code(body)),
            idempotent=False,
            ok=(200, 201),
        )
        return self._put_code_from_location(response)

    def _item_update(self, orcid: str, access_token: str, item: str, put_code: int, body: Body) -> None:
        headers, fmt = self._write_headers(access_token, body)
        self.stats._add("writes")
        self._send(
            "PUT",
            self._api(orcid, item, int(put_code)),
            headers=headers,
            data=documents.encode_body(documents.with_put_code(body, put_code)),
            ok=(200,),
        )

    def _item_delete(self, orcid: str, access_token: str, item: str, put_code: int) -> None:
        self.stats._add("writes")
        self._send(
            "DELETE",
            self._api(orcid, item, int(put_code)),
            headers={**self._auth(access_token), "Accept": MEDIA_TYPES[self.read_format]},
            ok=(200, 204),
            delete_after_retry_ok=True,
        )

    def _item_read(self, orcid: str, access_token: str, path: Sequence[str | int], fmt: str | None) -> tuple[Any, str]:
        headers, fmt = self._read_headers(access_token, fmt)
        self.stats._add("reads")
        response = self._send("GET", self._api(orcid, *path), headers=headers, ok=(200,))
        return self._decode(response, fmt), fmt

    # -----------------------------------------------------------------------------------------
    # Works
    # -----------------------------------------------------------------------------------------

    def works_read(self, *, orcid: str, access_token: str, fmt: str | None = None) -> list[WorkSummary]:
        """Every work on the record (GET /works), from every source, in ORCID's order."""
        data, fmt = self._item_read(orcid, access_token, ["works"], fmt)
        return documents.works_from_json(data) if fmt == JSON else documents.works_from_xml(data)

    def work_read(self, *, orcid: str, access_token: str, put_code: int, fmt: str | None = None) -> WorkSummary:
        """One work (GET /work/{put-code}); `.body` holds ORCID's full document. Raises `NotFound`."""
        data, fmt = self._item_read(orcid, access_token, ["work", int(put_code)], fmt)
        if fmt == JSON:
            return documents.work_from_json(data, body=data)
        return documents.work_from_xml_element(documents.parse_xml(data), body=data)

    def work_create(self, *, orcid: str, access_token: str, body: Body) -> int:
        """Add a work (POST /work); return its put-code.

        Raises `Duplicate` (with the existing `.put_code`) when this client already has a work
        with the same `self` identifier on the record, `Invalid` for a body ORCID refuses,
        `OutcomeUnknown` when the POST was sent and its answer lost.
        """
        return self._item_create(orcid, access_token, "work", body)

    def work_update(self, *, orcid: str, access_token: str, put_code: int, body: Body) -> None:
        """Replace a work (PUT /work/{put-code}); the client sets the put-code in the body.

        Raises `NotFound` (deleted on ORCID), `NotSource`, `VisibilityChange`, `TokenRevoked`.
        """
        self._item_update(orcid, access_token, "work", put_code, body)

    def work_delete(self, *, orcid: str, access_token: str, put_code: int) -> None:
        """Remove a work (DELETE /work/{put-code}). Works with a token the researcher revoked."""
        self._item_delete(orcid, access_token, "work", put_code)

    def works_create_bulk(self, *, orcid: str, access_token: str, bodies: Sequence[Body]) -> list[int | OrcidError]:
        """Add up to 100 works in one call (POST /works).

        Returns, in the order of `bodies`, the new put-code or the typed error for each item
        (`Invalid`, `Duplicate`, …): one bad item does not stop the others. Raises
        `OutcomeUnknown` if the call was sent and its answer lost (some may have been added).
        """
        bodies = list(bodies)
        if not bodies:
            return []
        if len(bodies) > BULK_LIMIT:
            raise ValueError(f"ORCID takes at most {BULK_LIMIT} works in one bulk call, not {len(bodies)}")
        payload = documents.bulk_request(bodies, "work")
        headers, fmt = self._write_headers(access_token, payload)
        self.stats._add("writes")
        response = self._send(
            "POST", self._api(orcid, "works"), headers=headers, data=documents.encode_body(payload), idempotent=False, ok=(200, 201)
        )
        data = self._decode(response, fmt)
        results = documents.bulk_results_from_json(data) if fmt == JSON else documents.bulk_results_from_xml(data)
        if len(results) != len(bodies):
            raise OrcidError(response.status_code, None, f"ORCID answered {len(results)} results for {len(bodies)} works")
        return results

    # -----------------------------------------------------------------------------------------
    # Employments
    # -----------------------------------------------------------------------------------------

    def employments_read(self, *, orcid: str, access_token: str, fmt: str | None = None) -> list[AffiliationSummary]:
        """Every employment on the record (GET /employments), from every source."""
        data, fmt = self._item_read(orcid, access_token, ["employments"], fmt)
        return documents.affiliations_from_json(data) if fmt == JSON else documents.affiliations_from_xml(data)

    def employment_read(self, *, orcid: str, access_token: str, put_code: int, fmt: str | None = None) -> AffiliationSummary:
        """One employment (GET /employment/{put-code}); `.body` holds ORCID's document. Raises `NotFound`."""
        data, fmt = self._item_read(orcid, access_token, ["employment", int(put_code)], fmt)
        if fmt == JSON:
            return documents.affiliation_from_json(data, body=data)
        return documents.affiliation_from_xml_element(documents.parse_xml(data), body=data)

    def employment_create(self, *, orcid: str, access_token: str, body: Body) -> int:
        """Add an employment (POST /employment); return its put-code. Errors as `work_create`."""
        return self._item_create(orcid, access_token, "employment", body)

    def employment_update(self, *, orcid: str, access_token: str, put_code: int, body: Body) -> None:
        """Replace an employment (PUT /employment/{put-code}). Errors as `work_update`."""
        self._item_update(orcid, access_token, "employment", put_code, body)

    def employment_delete(self, *, orcid: str, access_token: str, put_code: int) -> None:
        """Remove an employment (DELETE /employment/{put-code})."""
        self._item_delete(orcid, access_token, "employment", put_code)

    # -----------------------------------------------------------------------------------------
    # Record and webhooks
    # -----------------------------------------------------------------------------------------

    def record_read(self, *, orcid: str, access_token: str, fmt: str | None = None) -> OrcidRecord:
        """The whole record (GET /record): the name and every work and employment summary."""
        data, fmt = self._item_read(orcid, access_token, ["record"], fmt)
        return documents.record_from_json(data, orcid) if fmt == JSON else documents.record_from_xml(data, orcid)

    def _webhook_url(self, orcid: str, callback_url: str) -> str:
        # Webhooks live outside the versioned API: PUT {api}/{orcid}/webhook/{callback}.
        return f"{self.api_url}/{quote(orcid, safe='')}/webhook/{quote(callback_url, safe='')}"

    def webhook_register(self, *, orcid: str, callback_url: str, access_token: str) -> bool:
        """Ask ORCID to POST to `callback_url` when the record changes (a `/webhook` client token).

        Returns True when the webhook was created (201), False when it existed (204).
        """
        self.stats._add("writes")
        response = self._send(
            "PUT",
            self._webhook_url(orcid, callback_url),
            headers={**self._auth(access_token), "Accept": "application/json", "Content-Length": "0"},
            ok=(201, 204),
        )
        return response.status_code == 201

    def webhook_unregister(self, *, orcid: str, callback_url: str, access_token: str) -> None:
        """Remove a webhook; removing one that does not exist is not an error."""
        self.stats._add("writes")
        try:
            self._send(
                "DELETE",
                self._webhook_url(orcid, callback_url),
                headers={**self._auth(access_token), "Accept": "application/json"},
                ok=(200, 204),
            )
        except NotFound:
            pass

    def notification_permission_create(self, *, orcid: str, access_token: str, body: Body) -> int:
        """Put a permission request in the researcher's ORCID inbox (POST /notification-permission,
        a premium member feature) with a client token of scope `/premium-notification`
        (`token_client_credentials`). `body` is ORCID's notification-permission document. Returns
        its put-code. https://github.com/ORCID/ORCID-Source/tree/main/orcid-model/src/main/resources/notification_3.0
        """
        return self._item_create(orcid, access_token, "notification-permission", body)


# The names callers import from here as well as from orcid_client.documents/errors.
__all__ += ["RateLimited", "Unavailable", "OutcomeUnknown"]


_CLIENT_SETTINGS = (
    "ORCID_CONNECT_TIMEOUT", "ORCID_READ_TIMEOUT", "ORCID_MAX_RETRIES", "ORCID_BACKOFF_BASE", "ORCID_BACKOFF_CAP",
    "ORCID_HTTP_POOL_SIZE",
)
_default_client_lock = threading.Lock()
_default_clients: dict[tuple, OrcidClient] = {}


def default_client(
    *, own_stats: bool = False, read_timeout: float | None = None, max_retries: int | None = None
) -> OrcidClient:
    """The process's shared client for the configured ORCID (one connection pool per process).

    Every service asks here (tests hand another client by keyword `client=` to the services
    that take one). `own_stats=True` gives a view of it with its own call counters (a sync run
    reports its calls); `read_timeout`/`max_retries` a view with a page's impatience. A view
    shares the pool and the rate limiter: do not `close()` it.
    """
    from django.conf import settings

    config = (
        settings.ORCID_BASE_URL,
        settings.ORCID_API_URL,
        settings.ORCID_CLIENT_ID,
        # A changed secret (rotated) must reach ORCID: a hash of it, so the key holds no secret.
        hashlib.sha256(settings.ORCID_CLIENT_SECRET.encode()).hexdigest(),
        settings.REDIS_URL,
        settings.ORCID_REQUESTS_PER_SECOND,
        settings.ORCID_BURST,
        # Every setting the client reads when it is made: a changed one makes another client
        # (tests change them; a client made under another test's settings is not this one's).
        *(getattr(settings, name, None) for name in _CLIENT_SETTINGS),
    )
    with _default_client_lock:
        client = _default_clients.get(config)
        if client is None:
            client = _default_clients[config] = OrcidClient()
    if not own_stats and read_timeout is None and max_retries is None:
        return client
    view = copy.copy(client)
    view.stats = ClientStats()
    if read_timeout is not None:
        view.read_timeout = float(read_timeout)
    if max_retries is not None:
        view.max_retries = int(max_retries)
    return view
