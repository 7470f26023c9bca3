"""Runs that outlive a dead process, and run totals that a crash cannot lose (issue 11).

- Liveness: an in-process run names its process (`SyncRun.owner`, host:pid) and renews
  `heartbeat_at` every `HEARTBEAT_SECONDS` while it executes (`RunHeartbeat`, one daemon
  thread); a run fanned out to Celery tasks has no owning process and is kept alive by its
  researcher tasks (each adds its counts and renews the heartbeat).
- The reaper (`sync_runs_reap`) closes as `interrupted` every running run whose owner is a dead
  process of this machine (at once), or whose heartbeat is older than `STALE_SECONDS` (owned
  runs: a few heartbeats; fanned-out runs: longer, tasks may queue). It runs at the start of
  each run and as a scheduled entry (putcodes.schedule, also run by `orcid_scheduler`).
- Totals: the rows a run created, updated or deleted on ORCID carry its id (`last_run`,
  `last_action`, set by the ledger's transitions with the outcome), so a closed run's created,
  updated and deleted are counted from the ledger (`run_ledger_totals`), whatever its process
  kept in memory. They are frozen when the run is closed: the reaper runs before a new run
  writes, so a later run cannot take rows from one not yet closed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import connection as db_connection
from django.db.models import Count
from django.utils import timezone

from ..locks import owner_is_dead
from ..models import OrcidItem, SyncRun

logger = logging.getLogger("putcodes.sync")

HEARTBEAT_SECONDS = 10.0
# An owned run is dead after six missed heartbeats; a fanned-out one (its tasks may wait in
# the queue behind another run's) after half an hour without a task finishing.
STALE_SECONDS = 6 * HEARTBEAT_SECONDS
STALE_SECONDS_FANNED_OUT = 1800.0

_ACTIONS = {
    OrcidItem.Action.CREATED: "created", OrcidItem.Action.UPDATED: "updated", OrcidItem.Action.DELETED: "deleted",
}


def run_owner() -> str:
    """host:pid of this process (putcodes.locks.owner_is_dead reads it)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}"


def run_ledger_totals(run_id: int) -> dict[str, int]:
    """created, updated and deleted of a run, counted from the ledger rows it wrote."""
    totals = {name: 0 for name in _ACTIONS.values()}
    rows = OrcidItem.objects.filter(last_run_id=run_id).values("last_action").annotate(n=Count("pk"))
    for row in rows:
        name = _ACTIONS.get(row["last_action"])
        if name:
            totals[name] = row["n"]
    return totals


def run_heartbeat(run_id: int) -> None:
    SyncRun.objects.filter(pk=run_id, finished_at__isnull=True).update(heartbeat_at=timezone.now())


def _dead(run: SyncRun, now) -> bool:
    if run.owner and owner_is_dead(run.owner):
        return True
    limit = STALE_SECONDS if run.owner else STALE_SECONDS_FANNED_OUT
    seen = run.heartbeat_at or run.started_at
    return seen < now - timedelta(seconds=limit)


def sync_runs_reap(*, now=None) -> list[int]:
    """Close as `interrupted` the running runs whose process died; returns their ids."""
    from .. import signals

    now = now or timezone.now()
    closed: list[int] = []
    for run in SyncRun.objects.filter(status=SyncRun.Status.RUNNING, finished_at__isnull=True):
        if not _dead(run, now):
            continue
        seen = run.heartbeat_at or run.started_at
        note = f"Interrupted: its process ({run.owner or 'Celery tasks'}) stopped; last sign of life {seen:%Y-%m-%d %H:%M:%S} UTC."
        updated = SyncRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
            status=SyncRun.Status.INTERRUPTED, finished_at=now, note=note, **run_ledger_totals(run.pk),
        )
        if updated:
            closed.append(run.pk)
            logger.warning("Sync run %s closed as interrupted (%s)", run.pk, note)
            signals.sync_run_finished.send(sender=SyncRun, run=SyncRun.objects.get(pk=run.pk))
    return closed


class RunHeartbeat:
    """While a run executes in this process: its owner set, its heartbeat renewed by a daemon
    thread. Inside a transaction (tests) another connection would not see the run: then the
    heartbeat is renewed only by `beat()` (the run's totals flushes)."""

    def __init__(self, run: SyncRun) -> None:
        self.run_id = run.pk
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        SyncRun.objects.filter(pk=run.pk).update(owner=run_owner(), heartbeat_at=timezone.now())

    def beat(self) -> None:
        run_heartbeat(self.run_id)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    run_heartbeat(self.run_id)
                except Exception:  # a busy database: the next beat tries again
                    logger.warning("Heartbeat of sync run %s failed", self.run_id, exc_info=True)
        finally:
            db_connection.close()

    def __enter__(self) -> "RunHeartbeat":
        if not db_connection.in_atomic_block:
            self._thread = threading.Thread(target=self._loop, name=f"sync-run-{self.run_id}-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=HEARTBEAT_SECONDS * 2)
