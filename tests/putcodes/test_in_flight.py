"""The ledger's record of what was sent (issue 11), in one process, over real HTTP against the
simulator: writes left in flight by a dead process are recovered from what was *sent*; the
reaper closes runs whose process died, counted from the ledger. (The same with a process
really killed: tests/putcodes/test_crash.py.)"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from putcodes.models import OrcidItem, SyncRun
from putcodes.reconcile import researcher_reconcile
from putcodes.schedule import REAP_ENTRY_NAME
from putcodes.services import researcher_sync
from putcodes.sync.plan import LedgerRow, ObjectFacts, RecordContext, Verb, item_action
from putcodes.sync.reaper import run_owner, sync_runs_reap

pytestmark = pytest.mark.django_db
State = OrcidItem.State
ORCID = "0000-0002-1825-0097"


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _crash_before_post(item: OrcidItem, *, sent_match, attempted_hash: str) -> None:
    """What a POST's mark leaves when the process dies before the answer is recorded."""
    OrcidItem.objects.filter(pk=item.pk).update(
        state=State.OUTCOME_UNKNOWN, put_code=None, in_flight=OrcidItem.InFlight.CREATE,
        sent_match=sent_match, attempted_hash=attempted_hash,
    )


def test_a_delete_in_flight_is_sent_again_when_unwanted_and_read_first_when_wanted():
    row = LedgerRow(State.ON_ORCID, ORCID, put_code=7, content_hash="h", in_flight=OrcidItem.InFlight.DELETE)
    ctx = RecordContext(orcid=ORCID)
    assert item_action(row=row, obj=ObjectFacts(False), ctx=ctx).verb == Verb.DELETE
    assert item_action(row=row, obj=None, ctx=ctx).verb == Verb.DELETE
    assert item_action(row=row, obj=ObjectFacts(True, "h"), ctx=ctx).verb == Verb.RECONCILE


def test_a_post_committed_before_a_crash_is_adopted_by_what_was_sent_then_updated(sync_env):
    researcher, connection = sync_env.researcher(works=1)
    researcher_sync(researcher=researcher)
    work = researcher.works.get()
    item = OrcidItem.objects.get(work=work)
    put_code, sent = item.put_code, item.sent_match
    assert sent and item.in_flight == ""
    # The POST went through, the process died before recording it; then the unit changed the DOI.
    _crash_before_post(item, sent_match=sent, attempted_hash=item.content_hash)
    work.external_ids = [{"type": "doi", "value": "10.5555/corrected", "relationship": "self"}]
    work.save()

    counts = researcher_sync(researcher=researcher)

    item.refresh_from_db()
    assert (item.state, item.put_code, item.in_flight) == (State.ON_ORCID, put_code, "")
    assert counts.updated == 1
    on_orcid = sync_env.orcid_works(connection.orcid)
    assert len(on_orcid) == 1  # no orphan, no twin
    assert "10.5555/corrected" in str(on_orcid[0])


def test_a_delete_in_flight_found_done_is_withdrawn_and_written_again(sync_env):
    researcher, connection = sync_env.researcher(works=1)
    researcher_sync(researcher=researcher)
    item = OrcidItem.objects.get(researcher=researcher)
    # The DELETE was marked, sent and done; the process died before recording its answer.
    OrcidItem.objects.filter(pk=item.pk).update(in_flight=OrcidItem.InFlight.DELETE)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)

    counts = researcher_sync(researcher=researcher)  # the work is still eligible

    item.refresh_from_db()
    assert item.state == State.ON_ORCID and item.deleted_on_orcid_at is None and counts.created == 1
    assert len(sync_env.orcid_works(connection.orcid)) == 1


def test_a_delete_in_flight_answered_404_completes_as_withdrawn(sync_env):
    researcher, connection = sync_env.researcher(works=1)
    researcher_sync(researcher=researcher)
    work = researcher.works.get()
    item = OrcidItem.objects.get(work=work)
    OrcidItem.objects.filter(pk=item.pk).update(in_flight=OrcidItem.InFlight.DELETE)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
    work.public = False
    work.save()

    counts = researcher_sync(researcher=researcher)

    item.refresh_from_db()
    assert (item.state, item.in_flight, item.deleted_on_orcid_at) == (State.WITHDRAWN, "", None)
    assert counts.deleted == 1


def test_the_reconcile_takes_a_delete_in_flight_missing_from_the_record_as_withdrawn(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    ours, theirs = OrcidItem.objects.filter(researcher=researcher).order_by("pk")
    OrcidItem.objects.filter(pk=ours.pk).update(in_flight=OrcidItem.InFlight.DELETE)
    for item in (ours, theirs):
        sync_env.simulator.researcher_delete(connection.orcid, item.put_code)

    result = researcher_reconcile(researcher=researcher)

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.state == State.WITHDRAWN and ours.in_flight == ""
    assert theirs.state == State.DELETED_ON_ORCID
    assert result.deleted_on_orcid == [theirs.pk]


def test_the_reaper_closes_runs_whose_process_died_counted_from_the_ledger(sync_env):
    researcher, _ = sync_env.researcher(works=3)
    dead = SyncRun.objects.create(trigger="command", owner=f"{socket.gethostname()[:30]}:{_dead_pid()}",
                                  heartbeat_at=timezone.now(), created=1)
    silent = SyncRun.objects.create(trigger="command", owner="elsewhere:1",
                                    heartbeat_at=timezone.now() - timedelta(minutes=5))
    alive = SyncRun.objects.create(trigger="command", owner=run_owner(), heartbeat_at=timezone.now())
    researcher_sync(researcher=researcher, run_id=dead.pk)  # what the dead run wrote before dying

    assert sorted(sync_runs_reap()) == [dead.pk, silent.pk]

    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.INTERRUPTED and dead.finished_at is not None
    assert dead.summary_line() == "created=3 updated=0 deleted=0 unchanged=0 skipped=0 failed=0"
    assert SyncRun.objects.get(pk=silent.pk).status == SyncRun.Status.INTERRUPTED
    assert SyncRun.objects.get(pk=alive.pk).status == SyncRun.Status.RUNNING


def test_a_run_is_counted_from_the_ledger_and_the_reaper_is_scheduled(sync_env):
    from django_celery_beat.models import PeriodicTask

    sync_env.researcher(works=2)
    run = sync_env.sync()
    assert run.status == SyncRun.Status.FINISHED and run.created == 2 and run.owner == run_owner()
    assert OrcidItem.objects.filter(last_run=run, last_action="created").count() == 2
    assert PeriodicTask.objects.get(name=REAP_ENTRY_NAME).task == "putcodes.sync_runs_reap"
