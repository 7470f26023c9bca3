"""The request loop of `OrcidClient` (orcid_client/client.py): every call the portal makes to
ORCID goes through `TransportMixin._send`.

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

The client's other jobs live beside it: orcid_client/oauth.py (the token calls),
orcid_client/activities.py (the generic activity calls), orcid_client/client.py (`OrcidClient`
itself, works, employments, the record, webhooks, and `default_client()`).
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import logging
import threading
import time
from collections import Counter
from typing import Any, Iterable, Sequence
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter

from orcid_client import observers
from orcid_client.documents import JSON, MEDIA_TYPES, XML, Body, body_format, decode_json
from orcid_client.errors import Invalid, OrcidError, OutcomeUnknown, Unavailable, error_from_response
from orcid_client.redaction import redact

logger = logging.getLogger("orcid_client")

API_VERSION = "v3.0"
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


class TransportMixin:
    """Sending: the pooled session, backoff, the one request loop, URLs, headers and decoding.
    Mixed into `OrcidClient`, whose `__init__` sets what these read (`session`, `api_url`,
    `rate_limiter`, timeouts, retries, `stats`, `_sleep`, `_random`, `_client_secret`)."""

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
                return decode_json(response.content)
            except ValueError:  # UnicodeDecodeError too
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
