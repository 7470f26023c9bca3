"""A run's totals: researchers' counts and ORCID call counts added to its `SyncRun` row with F()
updates (parallel researcher tasks never lose one), and the errors kept for the admin."""

from __future__ import annotations

import threading
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import SyncError, SyncRun
from .counts import SyncCounts

# Errors kept per run; beyond this only the count grows (a broken run must not fill the disk).
MAX_ERRORS_PER_RUN = 1000


def run_add(run: SyncRun | None, counts: SyncCounts, *, researcher_done: bool = False, researchers_done: int = 0) -> None:
    """Add `counts` (and their errors) to `run`'s totals."""
    if run is None:
        return
    updates = {name: F(name) + getattr(counts, name) for name in SyncCounts.OUTCOMES if getattr(counts, name)}
    researchers_done += 1 if researcher_done else 0
    if researchers_done:
        updates["researchers_done"] = F("researchers_done") + researchers_done
    errors = counts.errors
    if errors:
        updates["error_count"] = F("error_count") + len(errors)
    with transaction.atomic():
        if updates:
            # A sign of life too (putcodes.sync.reaper): a fanned-out run lives by its tasks.
            SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now(), **updates)
        if errors:
            already = SyncRun.objects.filter(pk=run.pk).values_list("error_count", flat=True).first() or 0
            room = max(0, MAX_ERRORS_PER_RUN - (already - len(errors)))
            SyncError.objects.bulk_create(
                [
                    SyncError(
                        run_id=run.pk, item_id=e["item_id"], researcher_id=e["researcher_id"],
                        status=e["status"], error_code=e["error_code"], message=e["message"] or "error",
                    )
                    for e in errors[:room]
                ]
            )
    counts.errors = []


def run_add_stats(run: SyncRun | None, client) -> None:
    """Add the ORCID calls `client` counted to `run`."""
    if run is None or client is None:
        return
    stats = client.stats.snapshot()
    SyncRun.objects.filter(pk=run.pk).update(
        api_reads=F("api_reads") + stats["reads"],
        api_writes=F("api_writes") + stats["writes"],
        api_retries=F("api_retries") + stats["retries"],
    )


class RunTotals:
    """Adds researchers' counts to a run in memory and writes them every few seconds (so the
    admin sees a long run progress), instead of one UPDATE per researcher."""

    FLUSH_SECONDS = 2.0

    def __init__(self, run: SyncRun) -> None:
        self._time = time.monotonic
        self._lock = threading.Lock()
        self._run = run
        self._pending = SyncCounts()
        self._done = 0
        self.added = 0  # researchers added since the start, flushed or not
        self._flushed_at = self._time()

    def add(self, counts: SyncCounts) -> None:
        with self._lock:
            self._pending.add(counts)
            self._done += 1
            self.added += 1
            if self._time() - self._flushed_at < self.FLUSH_SECONDS:
                return
            pending, done = self._take()
        self._write(pending, done)

    def _take(self) -> tuple[SyncCounts, int]:
        pending, done = self._pending, self._done
        self._pending, self._done = SyncCounts(), 0
        self._flushed_at = self._time()
        return pending, done

    def _write(self, pending: SyncCounts, done: int) -> None:
        if done:
            run_add(self._run, pending, researchers_done=done)

    def flush(self) -> None:
        with self._lock:
            pending, done = self._take()
        self._write(pending, done)
