"""`OrcidClient`: every call the portal makes to ORCID goes through here.

One client owns one pooled `requests.Session` and may be shared by many threads (the
sync runs researchers in parallel). Each call:

- waits for the shared rate limiter (`orcid_client.ratelimit`), so all workers together
  stay under ORCID's per-client limit;
- has a connect and a read timeout (settings `ORCID_CONNECT_TIMEOUT`, `ORCID_READ_TIMEOUT`);
- is retried, up to `ORCID_MAX_RETRIES` times with exponential backoff and full jitter, when
  ORCID is overloaded or unreachable (429/503 including ORCID's rate limit, other 5xx,
  timeouts, refused or dropped connections), honouring a `Retry-After`;
- but a write that is not idempotent (a POST that creates an item, a code exchange) is
  retried only when it surely never reached ORCID (the connection could not be made, or
  ORCID answered 429/503/500, which it does before or instead of committing). When it was
  sent and its answer was lost, the client raises `OutcomeUnknown` and the caller reads the
  record to reconcile: retrying blindly could create a second item;
- turns ORCID's error answers into the typed errors of `orcid_client.errors`.

Logging: one line per call with the method, the path (which never holds a token: tokens
travel in headers and form bodies only), the status and the time taken. ORCID's error
bodies are logged only through the redacted error message.
"""

from __future__ import annotations

import copy
import email.utils
import hashlib
import http.cookiejar
import logging
import random
import threading
import time
from collections import Counter
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from orcid_client import documents, observers
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
    body_format,
)
from orcid_client.errors import (
    Invalid,
    NotFound,
    OrcidError,
    OutcomeUnknown,
    RateLimited,
    Unavailable,
    error_from_response,
)
from orcid_client.ratelimit import RateLimiter, default_rate_limiter
from orcid_client.redaction import redact

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
]

logger = logging.getLogger("orcid_client")

API_VERSION = "v3.0"
# ORCID takes at most 100 works in one bulk POST (error 9006 beyond).
BULK_LIMIT = 100
# Connections kept per host: enough for the sync's parallel workers in one process.
DEFAULT_POOL_SIZE = 32
# A Retry-After longer than this is not slept through inside a call: the error carries it
# (`retry_after`) so the caller can schedule the work later instead of holding a worker.
MAX_RETRY_AFTER = 60.0

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# Answers that mean ORCID did not act on the request: safe to send again, even a POST.
_NOT_PROCESSED = frozenset({429, 503})
# ORCID's own 500 comes from its exception mapper after the transaction rolled back. A 502
# or 504 comes from a proxy that lost the backend's answer: the write may have happened.
_MAYBE_PROCESSED = frozenset({502, 504})
_CONFIGURATION_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


class ClientStats:
    """Thread-safe counters of one client's calls, for sync-run figures.

    `calls` counts every HTTP attempt (retries included) by method; `reads`/`writes` count
    logical operations; `retries`, `outcome_unknown`, `errors` and `rate_limit_wait` (seconds
    spent waiting for the client-side limiter) tell how the run went.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._by_method: Counter[str] = Counter()
        self._waited = 0.0

    def _add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def _call(self, method: str) -> None:
        with self._lock:
            self._counts["calls"] += 1
            self._by_method[method] += 1

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._waited += seconds

    @property
    def calls(self) -> int:
        return self._counts["calls"]

    @property
    def reads(self) -> int:
        return self._counts["reads"]

    @property
    def writes(self) -> int:
        return self._counts["writes"]

    @property
    def retries(self) -> int:
        return self._counts["retries"]

    @property
    def outcome_unknown(self) -> int:
        return self._counts["outcome_unknown"]

    @property
    def errors(self) -> int:
        return self._counts["errors"]

    @property
    def by_method(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_method)

    def snapshot(self) -> dict[str, Any]:
        """All counters at once, consistent with each other."""
        with self._lock:
            return {
                "calls": self._counts["calls"],
                "reads": self._counts["reads"],
                "writes": self._counts["writes"],
                "retries": self._counts["retries"],
                "outcome_unknown": self._counts["outcome_unknown"],
                "errors": self._counts["errors"],
                "by_method": dict(self._by_method),
                "rate_limit_wait": round(self._waited, 3),
            }

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._by_method.clear()
            self._waited = 0.0


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    value = getattr(settings, name, None)
    return default if value in (None, "") else value


def _parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _sent_nothing(exc: requests.RequestException) -> bool:
    """True when the request surely never left: the connection itself could not be made.

    `ConnectTimeout` and a refused or unresolvable connection (`NewConnectionError`,
    `NameResolutionError` inside a `ConnectionError`) are before sending; a read timeout or
    a connection dropped mid-exchange are after, and the write may have happened.
    """
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return True  # the TLS handshake comes before the request
    if isinstance(exc, (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError)):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, (NewConnectionError, NameResolutionError))
    return False


class OrcidClient(ActivitiesMixin):
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

    @staticmethod
    def _build_session(pool_size: int) -> requests.Session:
        session = requests.Session()
        # Retries are ours (they must know whether a POST was sent); urllib3's are off.
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0, pool_block=False)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        # No cookies: ORCID's API needs none, and a shared jar is state shared between threads.
        session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        # trust_env stays on: a campus may reach ORCID only through an HTTPS proxy
        # (HTTPS_PROXY) or with its own CA bundle (REQUESTS_CA_BUNDLE).
        session.headers["User-Agent"] = "orcid-portal/1.0 (+python-requests)"
        return session

    def close(self) -> None:
        self.session.close()

    # -----------------------------------------------------------------------------------------
    # The one place that sends requests
    # -----------------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): spread
        retrying workers over the whole window so they do not come back in step."""
        return self._random.uniform(0, min(self.backoff_cap, self.backoff_base * (2**attempt)))

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | dict | None = None,
        idempotent: bool | None = None,
        ok: Iterable[int] = (200, 201, 204),
        grant_type: str = "",
        delete_after_retry_ok: bool = False,
        secrets: Sequence[str] = (),
    ) -> requests.Response:
        """Send one logical call, with rate limiting and retries; return the successful response.

        Raises the typed `OrcidError` for ORCID's refusals, `Unavailable`/`RateLimited` when
        the retries ran out, `OutcomeUnknown` when a non-idempotent write was sent and its
        answer lost. `secrets` are masked in any error text (ORCID echoes bad tokens); the
        bearer token of `headers` always is.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in _IDEMPOTENT_METHODS
        ok = frozenset(ok)
        log_path = redact(urlsplit(url).path)
        authorization = (headers or {}).get("Authorization", "")
        secrets = [*secrets, authorization.partition(" ")[2], self._client_secret]
        attempt = 0
        # Set once an earlier attempt may have reached ORCID: a DELETE then answered 404
        # means the earlier one did the job.
        maybe_done = False
        while True:
            waited = self.rate_limiter.acquire()
            self.stats._wait(waited)
            observers.notify_rate_limit_wait(waited)
            self.stats._call(method)
            started = time.monotonic()
            retry_after: float | None = None
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    timeout=(self.connect_timeout, self.read_timeout),
                    allow_redirects=False,
                )
            except _CONFIGURATION_ERRORS:
                raise  # a malformed ORCID_*_URL is for the operator, not for retrying
            except requests.RequestException as exc:
                elapsed_ms = (time.monotonic() - started) * 1000
                observers.notify_call(method, log_path, type(exc).__name__, elapsed_ms / 1000)
                nothing_sent = _sent_nothing(exc)
                logger.warning(
                    "ORCID %s %s -> %s after %.0f ms (attempt %d)",
                    method, log_path, type(exc).__name__, elapsed_ms, attempt + 1,
                )
                if not nothing_sent and not idempotent:
                    self.stats._add("outcome_unknown")
                    raise OutcomeUnknown(
                        None,
                        None,
                        f"{method} {log_path} was sent and its answer was lost ({type(exc).__name__}); "
                        "read the record to learn whether it happened",
                        method=method,
                        path=log_path,
                    ) from None
                if not nothing_sent:
                    maybe_done = True
                failure: OrcidError = Unavailable(
                    None, None, f"{method} {log_path}: {type(exc).__name__} after {attempt + 1} attempt(s)"
                )
            else:
                elapsed_ms = (time.monotonic() - started) * 1000
                status = response.status_code
                observers.notify_call(method, log_path, status, elapsed_ms / 1000)
                # Successful calls at DEBUG (a sync makes thousands); refusals and retries are
                # logged below at WARNING/INFO.
                logger.log(
                    logging.DEBUG if status in ok else logging.INFO,
                    "ORCID %s %s -> %s in %.0f ms", method, log_path, status, elapsed_ms,
                )
                if status in ok:
                    return response
                if status == 404 and method == "DELETE" and maybe_done and delete_after_retry_ok:
                    return response
                if status in _NOT_PROCESSED or status >= 500:
                    if status in _MAYBE_PROCESSED and not idempotent:
                        self.stats._add("outcome_unknown")
                        raise OutcomeUnknown(
                            status,
                            None,
                            f"{method} {log_path} answered {status} by a gateway; "
                            "read the record to learn whether it happened",
                            method=method,
                            path=log_path,
                        )
                    if status in _MAYBE_PROCESSED:
                        maybe_done = True
                    failure = error_from_response(response, grant_type=grant_type, secrets=secrets)
                    retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                    if isinstance(failure, Unavailable):
                        failure.retry_after = retry_after
                    response.close()
                else:
                    error = error_from_response(response, grant_type=grant_type, secrets=secrets)
                    # ORCID's token endpoint says `server_error` with a 401 when its authorisation
                    # server throws: ORCID failed, not the token. Retried like a 5xx when safe.
                    if not (isinstance(error, Unavailable) and idempotent):
                        self.stats._add("errors")
                        logger.warning("ORCID %s %s refused: %s", method, log_path, error)
                        raise error
                    failure = error
                    response.close()
            # A failure worth retrying.
            if attempt >= self.max_retries or (retry_after is not None and retry_after > MAX_RETRY_AFTER):
                self.stats._add("errors")
                if not isinstance(failure, Unavailable):
                    failure = Unavailable(failure.status, failure.error_code, failure.developer_message)
                logger.warning("ORCID %s %s gave up: %s", method, log_path, failure)
                raise failure
            delay = max(self._backoff(attempt), retry_after or 0.0)
            self.stats._add("retries")
            observers.notify_retry(method, log_path)
            logger.info("ORCID %s %s: retry %d in %.2f s", method, log_path, attempt + 1, delay)
            self._sleep(delay)
            attempt += 1

    # -----------------------------------------------------------------------------------------
    # URLs and bodies
    # -----------------------------------------------------------------------------------------

    def _api(self, orcid: str, *parts: str | int) -> str:
        path = "/".join(quote(str(p), safe="") for p in (orcid, *parts))
        return f"{self.api_url}/{API_VERSION}/{path}"

    @staticmethod
    def _auth(access_token: str) -> dict[str, str]:
        if not access_token:
            raise ValueError("an ORCID access token is required")
        return {"Authorization": f"Bearer {access_token}"}

    def _read_headers(self, access_token: str, fmt: str | None) -> tuple[dict[str, str], str]:
        fmt = fmt or self.read_format
        if fmt not in (JSON, XML):
            raise ValueError("fmt is 'json' or 'xml'")
        return {**self._auth(access_token), "Accept": MEDIA_TYPES[fmt]}, fmt

    def _write_headers(self, access_token: str, body: Body) -> tuple[dict[str, str], str]:
        fmt = body_format(body)
        media = MEDIA_TYPES[fmt]
        return {**self._auth(access_token), "Accept": media, "Content-Type": f"{media}; charset=UTF-8"}, fmt

    @staticmethod
    def _decode(response: requests.Response, fmt: str) -> Any:
        if fmt == JSON:
            try:
                return response.json()
            except ValueError:
                raise Invalid(response.status_code, None, "ORCID answered with a body that is not JSON") from None
        return response.content

    @staticmethod
    def _put_code_from_location(response: requests.Response) -> int:
        location = response.headers.get("Location", "")
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        try:
            return int(tail)
        except ValueError:
            raise OrcidError(
                response.status_code, None, "ORCID created the item but its Location header names no put-code"
            ) from None

    # -----------------------------------------------------------------------------------------
    # OAuth (https://info.orcid.org/documentation/api-tutorials/)
    # -----------------------------------------------------------------------------------------

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
