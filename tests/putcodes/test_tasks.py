"""Celery: with a broker, a run fans out tasks of a batch of researchers each (or one per
researcher), queued after commit; the last task closes the run. Without one, the same code runs
in-process."""

from __future__ import annotations

import pytest

from putcodes import tasks
from putcodes.models import SyncRun
from putcodes.services import sync_run_dispatch, sync_run_start
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import WorkFactory

pytestmark = pytest.mark.django_db


def _connected(n: int) -> list:
    researchers = []
    for _ in range(n):
        connection = OrcidConnectionFactory()
        WorkFactory(researcher=connection.user)  # not approved: nothing to write, no ORCID call
        researchers.append(connection.user)
    return researchers


def _dispatched(task, monkeypatch, capture_on_commit) -> tuple[SyncRun, list]:
    """A scheduled run dispatched with a broker: the arguments of each `task` queued."""
    queued = []
    monkeypatch.setattr(task, "delay", lambda *args: queued.append(args))
    run = sync_run_start(triggered_by="beat", trigger=SyncRun.Trigger.SCHEDULE)
    with capture_on_commit(execute=False) as callbacks:
        sync_run_dispatch(run=run)
        assert queued == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    return run, queued


def test_with_a_broker_a_run_queues_its_researchers_in_batches_after_commit(settings, monkeypatch,
                                                                            django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ORCID_SYNC_TASK_BATCH = 2
    researchers = _connected(5)
    run, queued = _dispatched(tasks.researchers_sync_batch_task, monkeypatch, django_capture_on_commit_callbacks)
    assert [len(args[0]) for args in queued] == [2, 2, 1]
    assert sorted(rid for args in queued for rid in args[0]) == sorted(r.pk for r in researchers)
    assert all(args[1] == run.pk for args in queued)
    # The workers run the tasks (each batch by its own thread pool); the last closes the run.
    for args in queued:
        tasks.researchers_sync_batch_task(*args)
        run.refresh_from_db()
        assert run.status == (SyncRun.Status.FINISHED if args is queued[-1] else SyncRun.Status.RUNNING)
    assert run.researchers_done == 5 and run.unchanged == 0 and run.failed == 0


def test_a_batch_whose_time_is_up_queues_the_researchers_it_did_not_begin(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 2e-6  # up before the first researcher is planned
    researchers = _connected(3)
    requeued = []
    monkeypatch.setattr(tasks.researchers_sync_batch_task, "delay", lambda *args: requeued.append(args))
    run = sync_run_start(triggered_by="beat", trigger=SyncRun.Trigger.SCHEDULE)
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=3)
    ids = [r.pk for r in researchers]
    tasks.researchers_sync_batch_task(ids, run.pk)
    assert requeued == [(ids, run.pk, None)]
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RUNNING and run.researchers_done == 0
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 600
    tasks.researchers_sync_batch_task(*requeued[0])
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FINISHED and run.researchers_done == 3


def test_a_batch_that_breaks_still_closes_its_run_with_its_researchers_failed(settings, monkeypatch):
    from putcodes.sync import runs

    settings.CELERY_TASK_ALWAYS_EAGER = False
    researchers = _connected(3)
    run = sync_run_start(triggered_by="beat", trigger=SyncRun.Trigger.SCHEDULE)
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=3)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")
        yield  # a generator, as researchers_plans is

    monkeypatch.setattr(runs, "researchers_plans", broken)
    tasks.researchers_sync_batch_task([r.pk for r in researchers], run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FINISHED and run.researchers_done == 3 and run.failed == 3
    assert "3 researcher(s) of a batch not synced: RuntimeError: the database went away" in run.errors.get().message


def test_with_a_batch_of_one_a_run_queues_one_task_per_researcher_after_commit(settings, monkeypatch,
                                                                               django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.ORCID_SYNC_TASK_BATCH = 1
    researchers = _connected(3)
    run, queued = _dispatched(tasks.researcher_sync_task, monkeypatch, django_capture_on_commit_callbacks)
    assert sorted(args[0] for args in queued) == sorted(r.pk for r in researchers)
    assert all(args[1] == run.pk for args in queued)
    # The workers run the tasks; the last one closes the run.
    for args in queued:
        tasks.researcher_sync_task(*args)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FINISHED and run.researchers_done == 3
    assert run.unchanged == 0 and run.failed == 0


def test_a_researcher_task_for_a_vanished_researcher_returns_quietly():
    run = sync_run_start(triggered_by="test")
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=1)
    tasks.researcher_sync_task(987654, run.pk)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.FINISHED


def test_without_a_broker_the_scheduled_task_runs_in_process():
    _connected(2)
    run_id = tasks.sync_all_task.apply().get()
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == SyncRun.Status.FINISHED
    assert run.researchers_total == run.researchers_done == 2


def test_the_tasks_are_acknowledged_late():
    for task in (tasks.sync_all_task, tasks.researcher_sync_task, tasks.sync_run_task):
        assert task.acks_late
    assert tasks.researcher_sync_task.soft_time_limit and tasks.researcher_sync_task.time_limit
