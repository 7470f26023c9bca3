"""A researcher's own "sync now" in the background (issue 14, CONTRACT §4): the request records a
run and answers at once; the run is carried out by a Celery task when there is a broker, else
by a thread of this process. One run at a time per researcher: a second request joins the run
that has not finished.

With `settings.SYNC_NOW_THREADS` off (the test suite turns it off: a test's data sits in a
transaction no thread can see) a run waits in this process until `background_drain()` carries
it out (the tests' `background_runs` fixture does); `background_join()` waits for the threads.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection, transaction
from django.utils import timezone

from orcid_portal.tasks_mode import tasks_run_in_process

from . import outcome
from .models import OrcidItem, SyncRun
from .sync.counts import SyncCounts, failure_note
from .sync.load import researcher_plan
from .sync.plan import REASON_PAUSED
from .sync.researcher import connection_of, researcher_sync
from .sync.runs import sync_run_finish, sync_run_start
from .sync.totals import run_add

logger = logging.getLogger("putcodes.sync")

# One new run per researcher per this many seconds (each may cost ORCID calls); within it a
# request is shown the latest run instead.
SYNC_NOW_INTERVAL_SECONDS = 30

_lock = threading.Lock()
_threads: dict[int, threading.Thread] = {}
_waiting: list[int] = []


def run_state(run: SyncRun) -> str:
    """CONTRACT §4's state of a run: queued (recorded, not started), running, finished, failed
    (could not proceed, or nothing could be written: outcome.note_says_blocked)."""
    if run.finished_at is None:
        return "queued" if run.researchers_total == 0 else "running"
    if run.status == SyncRun.Status.FINISHED and not outcome.note_says_blocked(run.note):
        return "finished"
    return "failed"


def researcher_latest_run(*, researcher) -> SyncRun | None:
    """The researcher's latest own run (from a page or the API), or None."""
    return SyncRun.objects.filter(researcher=researcher).order_by("-started_at", "-id").first()


def _unfinished_run(researcher) -> SyncRun | None:
    # A run older than a task's hard limit is dead (a killed process), not one to join.
    recent = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return (
        SyncRun.objects.filter(researcher=researcher, finished_at__isnull=True, started_at__gte=recent)
        .order_by("-started_at", "-id").first()
    )


def researcher_sync_request(*, researcher, triggered_by: str, unit=None) -> tuple[SyncRun, bool]:
    """Start a sync of the researcher's record in the background, or join theirs that has not
    finished. Within SYNC_NOW_INTERVAL_SECONDS of the last start the latest run is returned
    instead. Returns (run, started). The run is launched after the transaction commits."""
    with _lock:
        running = _unfinished_run(researcher)
        if running is not None:
            return running, False
        if not cache.add(f"putcodes:sync-now:{researcher.pk}", True, SYNC_NOW_INTERVAL_SECONDS):
            latest = researcher_latest_run(researcher=researcher)
            if latest is not None:
                return latest, False
        run = sync_run_start(triggered_by=triggered_by, trigger=SyncRun.Trigger.PORTAL, researcher=researcher, unit=unit)
    if tasks_run_in_process() and not settings.SYNC_NOW_THREADS:
        with _lock:  # waits for background_drain()
            _waiting.append(run.pk)
    else:
        transaction.on_commit(lambda: _launch(run.pk))
    return run, True


def _launch(run_id: int) -> None:
    if not tasks_run_in_process():
        from .tasks import researcher_sync_now_task

        researcher_sync_now_task.delay(run_id)
        return
    thread = threading.Thread(target=_thread_main, args=(run_id,), name=f"orcid-sync-now-{run_id}", daemon=True)
    with _lock:
        _threads[run_id] = thread
    thread.start()


def _thread_main(run_id: int) -> None:
    try:
        run_carry_out(run_id=run_id)
    except Exception:  # recorded on the run by run_carry_out; a thread must not die loudly
        logger.exception("Background sync run %s failed", run_id)
    finally:
        db_connection.close()
        with _lock:
            _threads.pop(run_id, None)


def background_drain() -> int:
    """Carry out, here, the runs waiting in this process. Returns how many."""
    done = 0
    while True:
        with _lock:
            if not _waiting:
                return done
            run_id = _waiting.pop(0)
        run_carry_out(run_id=run_id)
        done += 1


def background_join(timeout: float = 120.0) -> bool:
    """Wait for this process's sync threads; True when none is left."""
    with _lock:
        threads = list(_threads.values())
    for thread in threads:
        thread.join(timeout)
    with _lock:
        return not _threads


def run_carry_out(*, run_id: int) -> SyncRun | None:
    """Carry out a researcher's recorded run: refuse at once (failed, with the reason and what to
    do) when their connection cannot take writes; else sync and close the run with a message
    that says, per kind, what changed and what could not be written. Returns the closed run."""
    run = SyncRun.objects.filter(pk=run_id, finished_at__isnull=True).select_related("researcher", "unit").first()
    if run is None or run.researcher is None:
        return None
    researcher = run.researcher
    connection = connection_of(researcher)
    key = outcome.blocker_key(status=getattr(connection, "status", None), can_write=bool(connection and connection.can_write))
    if key is not None:  # the researcher's connection or record: theirs to fix, no operator incident
        return sync_run_finish(run=run, note=outcome.blocker_message(key))
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=1)  # queued -> running
    units = [run.unit] if run.unit is not None else None
    before = dict(OrcidItem.objects.filter(researcher=researcher).values_list("pk", "put_code"))
    since = timezone.now()
    try:
        plan = researcher_plan(researcher=researcher, orcid=connection.orcid, units=units, connection=connection)
        researcher_sync(researcher=researcher, run=run, units=units, connection=connection, plan=plan, planned_at=since)
    except Exception as error:
        logger.exception("Sync of researcher %s failed", researcher.pk)
        run_add(run, SyncCounts(failed=1, errors=[failure_note(researcher.pk, error)]), researcher_done=True)
        note = f"The sync stopped on an error in the portal; it is logged. Please try again later, or write to {settings.SUPPORT_EMAIL}."
        return sync_run_finish(run=run, note=note, failed=True)
    return _close(run, researcher, before, since, plan.skip_reasons.get(REASON_PAUSED, 0))


def _close(run: SyncRun, researcher, before: dict, since, paused: int) -> SyncRun:
    connection = connection_of(researcher)
    key = outcome.blocker_key(status=getattr(connection, "status", None), can_write=bool(connection and connection.can_write))
    changes = outcome.changes_since(researcher=researcher, put_codes_before=before, since=since)
    run.refresh_from_db()
    unavailable = outcome.unavailable_in(run=run)
    if key is not None:  # ORCID refused the token or the record during the run
        note = outcome.blocker_message(key)
        if changes.any:
            done = outcome.outcome_words(changes=changes, unavailable={}, paused=0)
            note = f"{done} The rest could not be written: " + note.split(": ", 1)[-1]
        return sync_run_finish(run=run, note=note)
    note = outcome.outcome_words(changes=changes, unavailable=unavailable, paused=paused, failed=run.failed)
    # ORCID down is the operators' concern too: FAILED (an incident) when nothing got through.
    return sync_run_finish(run=run, note=note, failed=run.failed > 0 and not changes.any and not changes.refused)


def run_data(run: SyncRun) -> dict:
    """CONTRACT §4's shape of a run."""
    state = run_state(run)
    return {
        "id": run.pk,
        "state": state,
        "created": run.created,
        "updated": run.updated,
        "deleted": run.deleted,
        "unchanged": run.unchanged,
        "failed_items": run.failed,
        "started_at": run.started_at if state != "queued" else None,
        "finished_at": run.finished_at,
        "message": run.note or _message_while(state),
    }


def _message_while(state: str) -> str:
    if state == "queued":
        return "Waiting to start."
    if state == "running":
        return "Sending your choices to ORCID."
    return ""
