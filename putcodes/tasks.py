"""Celery tasks of the sync. Thin: they load by primary key, return quietly when the object
is gone, and call one service. Every task is idempotent (the ledger's constraints, its
states and the per-iD lock), so `acks_late` redelivery after a lost worker is safe."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from .models import SyncRun
from .sync.counts import SyncCounts, failure_note
from .sync.researcher import researcher_sync
from .sync.runs import sync_run_batch, sync_run_dispatch, sync_run_researcher_done, sync_run_start
from .sync.totals import run_add

logger = logging.getLogger(__name__)

# Named once: the beat schedule (django-celery-beat's PeriodicTask) refers to them by name.
SYNC_ALL_TASK = "putcodes.sync_all"
SYNC_RUN_TASK = "putcodes.sync_run"
SYNC_RESEARCHER_TASK = "putcodes.sync_researcher"
SYNC_BATCH_TASK = "putcodes.sync_researchers"
SYNC_RUNS_REAP_TASK = "putcodes.sync_runs_reap"


@shared_task(name=SYNC_ALL_TASK, acks_late=True, ignore_result=True)
def sync_all_task(triggered_by: str = "beat") -> int:
    """The scheduled run over every connected researcher. Returns the run's id."""
    run = sync_run_start(triggered_by=triggered_by, trigger=SyncRun.Trigger.SCHEDULE)
    sync_run_dispatch(run=run)
    return run.pk


@shared_task(name=SYNC_RUN_TASK, acks_late=True, ignore_result=True)
def sync_run_task(run_id: int, researcher_ids: list[int] | None = None) -> None:
    """Carry out a run recorded earlier (an admin's "sync now")."""
    run = SyncRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return
    sync_run_dispatch(run=run, researcher_ids=researcher_ids)


# The sync tasks' options. One researcher is at most a few hundred calls at 24/s: minutes mean
# ORCID hangs. The soft limit lets the ledger record what was done and the lock be released.
_SYNC_TASK_OPTIONS = {
    "acks_late": True,
    "ignore_result": True,
    "soft_time_limit": settings.CELERY_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CELERY_TASK_TIME_LIMIT,
}


@shared_task(name=SYNC_RESEARCHER_TASK, **_SYNC_TASK_OPTIONS)
def researcher_sync_task(researcher_id: int, run_id: int | None = None, unit_ids: list[int] | None = None) -> None:
    """Sync one researcher (one task per researcher of a run), limited to `unit_ids` if given."""
    from units.models import Unit

    run = SyncRun.objects.filter(pk=run_id).first() if run_id else None
    researcher = get_user_model().objects.filter(pk=researcher_id).first()
    try:
        if researcher is None:
            run_add(run, SyncCounts(), researcher_done=True)
            return
        units = list(Unit.objects.filter(pk__in=unit_ids)) if unit_ids is not None else None
        researcher_sync(researcher=researcher, run=run, units=units)
    except Exception as error:  # recorded on the run; a redelivery would fail the same way
        logger.exception("Sync of researcher %s failed", researcher_id)
        run_add(run, SyncCounts(failed=1, errors=[failure_note(researcher_id, error)]), researcher_done=True)
    finally:
        if run is not None:
            sync_run_researcher_done(run_id=run.pk)


@shared_task(name=SYNC_BATCH_TASK, **_SYNC_TASK_OPTIONS)
def researchers_sync_batch_task(researcher_ids: list[int], run_id: int, unit_ids: list[int] | None = None) -> None:
    """Sync a batch of a run's researchers (ORCID_SYNC_TASK_BATCH), ORCID_SYNC_TASK_THREADS at
    once. Those not begun within half the soft time limit go back to the queue as a new batch."""
    from units.models import Unit

    run = SyncRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    units = list(Unit.objects.filter(pk__in=unit_ids)) if unit_ids is not None else None
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT  # None or 0: Celery sets no limit
    left = sync_run_batch(run=run, researcher_ids=researcher_ids, units=units, seconds=limit / 2 if limit else None)
    if left:
        logger.info("Run %s: %d researcher(s) of a batch queued again (the batch's time was up)", run_id, len(left))
        researchers_sync_batch_task.delay(left, run_id, unit_ids)


SYNC_NOW_TASK = "putcodes.sync_now"


@shared_task(name=SYNC_NOW_TASK, **_SYNC_TASK_OPTIONS)
def researcher_sync_now_task(run_id: int) -> None:
    """Carry out a researcher's own "sync now" recorded by putcodes.background (issue 14)."""
    from .background import run_carry_out

    run_carry_out(run_id=run_id)


@shared_task(name=SYNC_RUNS_REAP_TASK, ignore_result=True)
def sync_runs_reap_task() -> int:
    """Close as interrupted the runs whose process died (putcodes.sync.reaper). Returns how many."""
    from .sync.reaper import sync_runs_reap

    return len(sync_runs_reap())
