"""Runs over many researchers: a run's start and end (`SyncRun`), its fan-out (in this process
over a thread pool, or Celery tasks of a batch of researchers each, every batch synced by a
thread pool inside its task), and its totals (putcodes.sync.totals)."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any, Callable, Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection as db_connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from orcid_client.client import default_client
from orcid_portal.tasks_mode import tasks_run_in_process

from .. import signals
from ..models import SyncRun
from .collector import relaxed_collection
from .counts import SyncCounts, failure_note
from .load import researchers_plans
from .plan import plan_has_calls
from .policy import record_probe_due
from .reaper import RunHeartbeat, run_ledger_totals, sync_runs_reap
from .researcher import researcher_sync
from .totals import RunTotals, run_add, run_add_stats

logger = logging.getLogger("putcodes.sync")


def sync_run_start(
    *,
    triggered_by: str,
    trigger: str | None = None,
    unit=None,
    researcher=None,
) -> SyncRun:
    """Record the start of a run. `triggered_by` says who or what (a username, "beat")."""
    if trigger is None:
        trigger = SyncRun.Trigger.SCHEDULE if triggered_by in ("beat", "schedule") else SyncRun.Trigger.COMMAND
    sync_runs_reap()  # runs of dead processes are closed (and counted) before this one writes
    from ..reconcile_budget import sync_started

    sync_started()
    return SyncRun.objects.create(
        trigger=trigger, triggered_by=triggered_by[:200], unit=unit, researcher=researcher, heartbeat_at=timezone.now(),
    )


def sync_run_finish(*, run: SyncRun, note: str = "", failed: bool = False) -> SyncRun:
    """Close the run (end time, status, its created/updated/deleted counted from the ledger)
    and return it fresh from the database."""
    closed = SyncRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(),
        status=SyncRun.Status.FAILED if failed else SyncRun.Status.FINISHED,
        note=note[:2000],
        **run_ledger_totals(run.pk),
    )
    run.refresh_from_db()
    if closed:  # once per run, by whichever process closed it (operations' alerts listen)
        signals.sync_run_finished.send(sender=SyncRun, run=run)
    return run


def sync_run_researcher_done(*, run_id: int) -> None:
    """After a researcher task of a fanned-out run: the last one closes the run."""
    closed = SyncRun.objects.filter(
        pk=run_id, finished_at__isnull=True, researchers_done__gte=F("researchers_total")
    ).update(finished_at=timezone.now(), status=SyncRun.Status.FINISHED, **run_ledger_totals(run_id))
    if closed:
        signals.sync_run_finished.send(sender=SyncRun, run=SyncRun.objects.get(pk=run_id))


def _run_scope(run: SyncRun, researcher_ids, units) -> tuple[list[int], Any]:
    from ..selectors import researcher_ids_to_sync

    if researcher_ids is None:
        researcher_ids = researcher_ids_to_sync(unit=run.unit, researcher=run.researcher)
    researcher_ids = list(researcher_ids)
    if units is None and run.unit is not None:
        units = [run.unit]
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=len(researcher_ids))
    return researcher_ids, units


def sync_run_execute(
    *,
    run: SyncRun,
    researcher_ids: Iterable[int] | None = None,
    units: Sequence[Any] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    client=None,
) -> SyncRun:
    """Run the sync now, in this process, over several researchers at once (a thread pool,
    so ORCID's latency does not leave the rate limit unused; the shared limiter keeps the
    pace). `researcher_ids` defaults to everyone the run covers. Returns the finished run.
    """
    researcher_ids, units = _run_scope(run, researcher_ids, units)
    workers = max(1, int(workers or settings.ORCID_SYNC_WORKERS))
    client = client or default_client(own_stats=True)
    fan_out = _FanOut(run, units, client, workers, len(researcher_ids), progress)
    try:
        with RunHeartbeat(run):  # the reaper closes the run as interrupted if this process dies
            fan_out.run(researcher_ids)
    finally:
        fan_out.totals.flush()
        run_add_stats(run, client)
    return sync_run_finish(run=run)


class _FanOut:
    """One in-process run: researchers with nothing to send are settled from batched reads;
    those with calls to make go to the thread pool (or are synced here, one by one)."""

    def __init__(self, run, units, client, workers: int, total: int, progress, stop_at: float | None = None) -> None:
        self.units, self.client, self.workers = units, client, workers
        # One by one in this thread: threads would not see this transaction's uncommitted rows.
        self.sequential = workers == 1 or total <= 1 or db_connection.in_atomic_block
        self.run_id = run.pk
        self.totals = RunTotals(run)
        self.total, self.done, self.progress = total, 0, progress
        self.pending: set = set()
        # A batch task's deadline (time.monotonic): researchers not begun by then are left over
        # (`left`) for another task, so no task outlives its time limit.
        self.stop_at = stop_at
        self.left: list[int] = []
        self.thread_connections: dict[int, Any] = {}  # each pool thread's database connection

    def tick(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def one(self, researcher_id: int, connection=None, plan=None, planned_at=None) -> None:
        try:
            researcher = connection.user if connection is not None else get_user_model().objects.filter(pk=researcher_id).first()
            counts = SyncCounts()
            if researcher is not None:
                # Under the record's lock, the plan is checked (or made again) before writing.
                counts = researcher_sync(
                    researcher=researcher, run=None, run_id=self.run_id, units=self.units, client=self.client,
                    connection=connection, plan=plan, planned_at=planned_at,
                )
            self.totals.add(counts)
        except Exception as error:  # one researcher's failure must not stop the run
            logger.exception("Sync of researcher %s failed", researcher_id)
            self.totals.add(SyncCounts(failed=1, errors=[failure_note(researcher_id, error)]))
        finally:
            if not self.sequential:
                # The worker thread keeps its database connection for its next researcher (a new
                # one per researcher cost ~10 ms of CPU each: PostgreSQL's SCRAM handshake and
                # set-up), unless it broke or outlived CONN_MAX_AGE; `close_threads` ends them.
                db_connection.close_if_unusable_or_obsolete()
                self.thread_connections[threading.get_ident()] = connections[DEFAULT_DB_ALIAS]

    def settle(self, block_until: int) -> None:
        # Planning is CPU work that holds the GIL; planning far ahead of the workers would slow
        # their every database call (the GIL's convoy effect). So the next batch is planned
        # only once the workers are nearly out of work.
        while len(self.pending) > block_until:
            finished, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
            for future in finished:
                future.result()
                self.tick()

    def run(self, researcher_ids: list[int]) -> None:
        with relaxed_collection():  # putcodes.sync.collector: half the CPU of serialising a batch
            self._run(researcher_ids)

    def _run(self, researcher_ids: list[int]) -> None:
        pool = None if self.sequential else ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="orcid-sync")
        try:
            # Fairness (issue 17, item 6): researchers with new items (or deletions) first;
            # those with only changes to send wait for a second pass (re-planned then: only
            # their ids are kept), so one researcher's thousands of changed items hold back
            # nobody's new work.
            changes_only = self.pass_(pool, researcher_ids, defer_changes=True)
            if self.left:
                self.left += changes_only
            else:
                self.pass_(pool, changes_only, defer_changes=False)
            self.settle(0)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
                self.close_threads()

    def close_threads(self) -> None:
        """Close the database connections the pool's threads kept (they have all finished)."""
        for wrapper in self.thread_connections.values():
            wrapper.inc_thread_sharing()  # closed from this thread, its own having ended
            try:
                wrapper.close()
            finally:
                wrapper.dec_thread_sharing()
        self.thread_connections.clear()

    def pass_(self, pool, researcher_ids: list[int], *, defer_changes: bool) -> list[int]:
        deferred: list[int] = []
        for index, (researcher_id, connection, plan, planned_at) in enumerate(
            researchers_plans(researcher_ids, units=self.units, batch=100)
        ):
            if self.stop_at is not None and time.monotonic() > self.stop_at:
                self.left = list(researcher_ids[index:])
                break
            # A plan with writes, or one whose record waits on ORCID (a probe read is due).
            if connection is not None and (plan_has_calls(plan) or record_probe_due(plan)):
                if defer_changes and plan.updates and not (plan.creates or plan.deletes or plan.unknown):
                    deferred.append(researcher_id)
                elif pool is None:
                    self.one(researcher_id, connection, plan, planned_at)
                    self.tick()
                else:
                    if len(self.pending) >= self.workers * 4:
                        self.settle(self.workers * 2)
                    self.pending.add(pool.submit(self.one, researcher_id, connection, plan, planned_at))
                continue
            counts = SyncCounts()
            if plan is not None:
                counts.add_plan_without_calls(plan)
            self.totals.add(counts)
            self.tick()
        return deferred


def sync_run_dispatch(
    *, run: SyncRun, researcher_ids: Iterable[int] | None = None, units: Sequence[Any] | None = None
) -> SyncRun:
    """Run the sync: in this process when there is no broker (CELERY_TASK_ALWAYS_EAGER),
    otherwise as Celery tasks of ORCID_SYNC_TASK_BATCH researchers each (one researcher's task
    when that is 1 or the run is for one researcher), queued once the current transaction commits. Returns the run (finished when
    run in-process)."""
    from ..tasks import researcher_sync_task, researchers_sync_batch_task

    if tasks_run_in_process():
        return sync_run_execute(run=run, researcher_ids=researcher_ids, units=units)
    researcher_ids, units = _run_scope(run, researcher_ids, units)
    if not researcher_ids:
        return sync_run_finish(run=run)
    unit_ids = [u.pk for u in units] if units is not None else None
    size = max(1, int(settings.ORCID_SYNC_TASK_BATCH))
    if size == 1 or len(researcher_ids) == 1:  # a researcher's own "sync now", a first sync
        for researcher_id in researcher_ids:
            transaction.on_commit(
                lambda rid=researcher_id: researcher_sync_task.delay(rid, run.pk, unit_ids)
            )
        return run
    for start in range(0, len(researcher_ids), size):
        batch = researcher_ids[start:start + size]
        transaction.on_commit(lambda b=batch: researchers_sync_batch_task.delay(b, run.pk, unit_ids))
    return run


def sync_run_batch(
    *, run: SyncRun, researcher_ids: Sequence[int], units: Sequence[Any] | None = None,
    threads: int | None = None, seconds: float | None = None,
) -> list[int]:
    """One Celery task's batch of a fanned-out run: planned in batched reads and written by a
    pool of `threads` (ORCID_SYNC_TASK_THREADS) in this process, as `sync_run_execute` does, so
    one worker process keeps several ORCID calls in flight and plans without a query per
    researcher. Its counts and calls are added to the run; the last batch closes it. Researchers
    not begun within `seconds` are returned (the task queues them again), so a batch never
    reaches the task's time limit."""
    threads = max(1, int(threads or settings.ORCID_SYNC_TASK_THREADS))
    client = default_client(own_stats=True)
    ids = list(researcher_ids)
    stop_at = time.monotonic() + seconds if seconds is not None else None
    fan_out = _FanOut(run, units, client, threads, len(ids), None, stop_at=stop_at)
    try:
        fan_out.run(ids)
    except Exception as error:  # noqa: BLE001 - e.g. the planner's reads: the run must still close
        logger.exception("A batch of run %s failed", run.pk)
        # Researchers neither synced nor left over are counted failed (and done), so the run
        # closes with the error shown instead of staying open until the reaper.
        missing = len(ids) - fan_out.totals.added - len(fan_out.left)
        if missing > 0:
            fan_out.totals.flush()
            note = {**failure_note(None, error),  # type: ignore[arg-type] - no one researcher to name
                    "message": f"{missing} researcher(s) of a batch not synced: {type(error).__name__}: {error}"[:2000]}
            run_add(run, SyncCounts(failed=missing, errors=[note]), researchers_done=missing)
    finally:
        fan_out.totals.flush()
        run_add_stats(run, client)
        sync_run_researcher_done(run_id=run.pk)
    return fan_out.left


def researchers_sync_now(
    *, researcher_ids: Iterable[int], triggered_by: str, units: Sequence[Any] | None = None,
    trigger: str = SyncRun.Trigger.ADMIN,
) -> SyncRun:
    """Sync these researchers now (an admin's or a page's "sync now"), limited to `units`
    when given (staff act only for their units). Returns the run: finished when it ran
    in-process (no broker), else queued."""
    run = sync_run_start(triggered_by=triggered_by, trigger=trigger)
    return sync_run_dispatch(run=run, researcher_ids=sorted(set(researcher_ids)), units=units)
