"""The reconcile's share of ORCID's rate limit, and its spread over its interval (issue 17, item 2).

Writes come first: while a sync run is going (it has work waiting), the reconcile's reads pass
through a bucket of their own at `ORCID_RECONCILE_BUDGET_SHARE` of `ORCID_REQUESTS_PER_SECOND`
(default 0.2: at most ~4.8 of ORCID's 24 calls/s), on top of the shared limiter every call takes
(orcid_client.ratelimit): so the reconcile never takes more than that share while the sync
needs the rest, and the whole limit when nothing is being written. The bucket is in Redis when
`REDIS_URL` is set (every worker's reconcile tasks share it), else in the process.

The full reconcile (every record with the institution's items) is spread over
`ORCID_RECONCILE_INTERVAL_HOURS` (default a day; a week when webhooks are on: they report
changes as they happen and the full reconcile is their safety net): its beat entry runs every
interval ÷ `ORCID_RECONCILE_SLICES`, and each run reads the slice of researchers whose id falls
in the slot of the current time (`id % slices`), so a cycle reads each record once, in equal
parts, never all at once.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from django.conf import settings

_lock = threading.Lock()
_limiters: dict[tuple, object] = {}
_sync_seen: dict[str, float] = {"at": -1e9, "value": 0.0}
SYNC_CHECK_SECONDS = 2.0  # how long a "a sync is running" answer is trusted


def reconcile_limiter():
    """The reconcile's own bucket (ORCID_RECONCILE_BUDGET_SHARE × ORCID_REQUESTS_PER_SECOND)."""
    from orcid_client.ratelimit import LocalTokenBucket, RedisTokenBucket, redis_connection

    rate = max(0.01, float(settings.ORCID_RECONCILE_BUDGET_SHARE) * float(settings.ORCID_REQUESTS_PER_SECOND))
    config = (settings.REDIS_URL or "", rate, settings.ORCID_CLIENT_ID or "")
    with _lock:
        limiter = _limiters.get(config)
        if limiter is None:
            if config[0]:
                limiter = RedisTokenBucket(redis_connection(config[0]), rate, 1,
                                           key=f"orcid:ratelimit:reconcile:{config[2] or 'default'}")
            else:
                limiter = LocalTokenBucket(rate, 1)
            _limiters[config] = limiter
        return limiter


def sync_has_work() -> bool:
    """Whether a sync run is going (checked at most every SYNC_CHECK_SECONDS)."""
    from .models import SyncRun

    now = time.monotonic()
    if now - _sync_seen["at"] > SYNC_CHECK_SECONDS:
        _sync_seen["value"] = float(SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists())
        _sync_seen["at"] = now
    return bool(_sync_seen["value"])


def sync_started() -> None:
    """A run started in this process: its reconcile reads yield at once, not after the cached
    answer of SYNC_CHECK_SECONDS runs out (other processes learn it within that time)."""
    _sync_seen.update(at=time.monotonic(), value=1.0)


def reconcile_yield() -> float:
    """Before each reconcile read: wait for the reconcile's share of the budget when a sync is
    running (returns the seconds waited; 0 when no sync runs or the share is 1)."""
    if float(settings.ORCID_RECONCILE_BUDGET_SHARE) >= 1 or not sync_has_work():
        return 0.0
    return reconcile_limiter().acquire()


def reconcile_slices() -> int:
    return max(1, int(settings.ORCID_RECONCILE_SLICES))


def reconcile_entry_minutes() -> float:
    """How often the full reconcile's beat entry runs: its interval ÷ its slices."""
    return float(settings.ORCID_RECONCILE_INTERVAL_HOURS) * 60 / reconcile_slices()


def reconcile_slice(now: datetime, *, entry_minutes: float | None = None) -> tuple[int, int]:
    """(index, count): the slice of researchers (`id % count == index`) the run at `now` reads.
    `entry_minutes` is how often the entry actually runs (an admin may have changed it): the
    count is the number of its runs per interval, so a cycle still covers everyone."""
    if reconcile_slices() == 1:
        return 0, 1  # not spread: every run reads every record
    minutes = entry_minutes or reconcile_entry_minutes()
    count = max(1, round(float(settings.ORCID_RECONCILE_INTERVAL_HOURS) * 60 / minutes))
    return int(now.timestamp() // (minutes * 60)) % count, count
