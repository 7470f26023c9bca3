"""Observers of the client's calls: how the portal's metrics and alerts learn what ORCID answered.

`orcid_client` knows nothing of Django or Prometheus; a higher layer (the portal's
`operations` app) registers an observer here once per process. Each observer is called in
the calling thread, so it must be quick and must not raise: an exception is logged and
ignored (an observer never breaks an ORCID call).

Events:
- `call(method, endpoint, status, seconds)`: one HTTP attempt; `status` is ORCID's HTTP status,
  or the exception's name (e.g. "ConnectTimeout") when no answer came; `endpoint` is the
  path with the iD and put-codes replaced (`/v3.0/{orcid}/work/{put-code}`), so label values
  stay few;
- `retry(method, endpoint)`: an attempt is about to be made again;
- `rate_limit_wait(seconds)`: time spent waiting for the shared limiter.
"""

from __future__ import annotations

import logging
import re
from typing import Protocol

logger = logging.getLogger(__name__)

_ORCID_ID = re.compile(r"/\d{4}-\d{4}-\d{4}-\d{3}[\dX](?=/|$)")
_NUMBER = re.compile(r"/\d+(?=/|$)")
_CALLBACK = re.compile(r"(/webhook)/.+$")


class CallObserver(Protocol):
    def call(self, method: str, endpoint: str, status: int | str, seconds: float) -> None: ...

    def retry(self, method: str, endpoint: str) -> None: ...

    def rate_limit_wait(self, seconds: float) -> None: ...


_observers: list[CallObserver] = []


def endpoint_pattern(path: str) -> str:
    """The path's pattern: `/v3.0/0000-0002-1825-0097/work/123` -> `/v3.0/{orcid}/work/{put-code}`."""
    path = _CALLBACK.sub(r"\1/{callback}", path)
    path = _ORCID_ID.sub("/{orcid}", path)
    return _NUMBER.sub("/{put-code}", path) or "/"


def observer_add(observer: CallObserver) -> None:
    """Register `observer` (once: adding the same object again does nothing)."""
    if observer not in _observers:
        _observers.append(observer)


def observer_remove(observer: CallObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)


def _notify(event: str, *args) -> None:
    for observer in list(_observers):
        try:
            getattr(observer, event)(*args)
        except Exception:  # an observer must never break an ORCID call
            logger.exception("ORCID call observer %r failed on %s", observer, event)


def notify_call(method: str, path: str, status: int | str, seconds: float) -> None:
    if _observers:
        _notify("call", method, endpoint_pattern(path), status, seconds)


def notify_retry(method: str, path: str) -> None:
    if _observers:
        _notify("retry", method, endpoint_pattern(path))


def notify_rate_limit_wait(seconds: float) -> None:
    if _observers and seconds > 0:
        _notify("rate_limit_wait", seconds)
