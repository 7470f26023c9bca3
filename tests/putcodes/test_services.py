"""The sync against ORCID (its simulator, over real HTTP): the plan, and every outcome ORCID
can answer, recorded in the ledger."""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import timezone

from connections.models import OrcidConnection
from putcodes.kinds import KINDS, WORK
from putcodes.locks import orcid_record_lock
from putcodes.models import OrcidItem, SyncRun
from putcodes.services import researcher_sync, researcher_withdraw_items
from tests.fixtures.works import UnitFactory, WorkFactory, work_approved_long_ago


pytestmark = pytest.mark.django_db

State = OrcidItem.State


def _items(researcher):
    return list(OrcidItem.objects.filter(researcher=researcher).order_by("id"))


def test_first_sync_creates_a_researchers_new_works_in_one_bulk_call(sync_env):
    researcher, connection = sync_env.researcher(works=30)
    WorkFactory(researcher=researcher)  # not approved yet: not written
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 30
    assert sync_env.write_calls() == 1
    assert len(sync_env.orcid_works(connection.orcid)) == 30
    items = _items(researcher)
    assert {i.state for i in items} == {State.ON_ORCID} and all(i.put_code and i.content_hash for i in items)
    sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)


def test_more_than_a_hundred_new_works_go_in_calls_of_a_hundred(sync_env):
    researcher, connection = sync_env.researcher(works=150)
    assert researcher_sync(researcher=researcher).created == 150
    assert sync_env.write_calls() == 2
    assert len(sync_env.orcid_works(connection.orcid)) == 150


def test_a_no_change_run_makes_no_call_at_all(sync_env):
    researcher, _ = sync_env.researcher(works=5)
    researcher_sync(researcher=researcher)
    calls_before = len(sync_env.simulator.calls())
    run = sync_env.sync()
    assert run.unchanged == 5 and (run.created, run.updated, run.deleted, run.failed) == (0, 0, 0, 0)
    assert run.api_writes == 0 and run.api_reads == 0
    assert len(sync_env.simulator.calls()) == calls_before


def test_only_changed_works_are_updated(sync_env):
    researcher, connection = sync_env.researcher(works=4)
    researcher_sync(researcher=researcher)
    work = researcher.works.order_by("id").first()
    work.title = "A better title"
    work.save()
    writes = sync_env.write_calls()
    counts = researcher_sync(researcher=researcher)
    assert (counts.updated, counts.unchanged, counts.created) == (1, 3, 0)
    assert sync_env.write_calls() == writes + 1
    titles = {str(w.get("title") or w.get("body")) for w in sync_env.orcid_works(connection.orcid)}
    assert any("A better title" in t for t in titles)


@pytest.mark.parametrize("change", ["unapproved", "made_private", "removed_by_unit"])
def test_works_no_longer_eligible_are_deleted_from_orcid(sync_env, change):
    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    work = researcher.works.order_by("id").first()
    if change == "unapproved":
        work.approved = False
    elif change == "made_private":
        work.public = False
    else:
        work.removed_at = timezone.now()
    work.save()
    counts = researcher_sync(researcher=researcher)
    assert counts.deleted == 1 and counts.unchanged == 1
    item = OrcidItem.objects.get(work=work)
    assert item.state == State.WITHDRAWN
    assert item.put_code not in sync_env.put_codes(connection.orcid)
    assert len(sync_env.orcid_works(connection.orcid)) == 1


def test_deleted_on_orcid_is_not_recreated(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    work = work_approved_long_ago(researcher.works.order_by("id").first())
    item = OrcidItem.objects.get(work=work)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
    work.title = "Changed after the researcher deleted it"
    work.save()
    counts = researcher_sync(researcher=researcher)  # the PUT answers 404
    item.refresh_from_db()
    assert item.state == State.DELETED_ON_ORCID and item.deleted_on_orcid_at
    writes = sync_env.write_calls()
    work.title = "Changed once more"
    work.save()
    counts = researcher_sync(researcher=researcher)
    assert counts.created == counts.updated == 0
    assert sync_env.write_calls() == writes
    assert len(sync_env.orcid_works(connection.orcid)) == 1


def test_a_work_deleted_on_orcid_is_written_again_after_a_new_approval(sync_env):
    researcher, connection = sync_env.researcher(works=1)
    researcher_sync(researcher=researcher)
    work = work_approved_long_ago(researcher.works.get())
    item = OrcidItem.objects.get(work=work)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
    work.title = "Changed"
    work.save()
    researcher_sync(researcher=researcher)
    item.refresh_from_db()
    assert item.state == State.DELETED_ON_ORCID
    work.approved_at = timezone.now()  # the researcher approves it again
    work.save()
    assert researcher_sync(researcher=researcher).created == 1
    item.refresh_from_db()
    assert item.state == State.ON_ORCID
    assert len(sync_env.orcid_works(connection.orcid)) == 1


def test_a_work_deleted_on_orcid_learnt_from_a_delete_404(sync_env):
    researcher, connection = sync_env.researcher(works=1)
    researcher_sync(researcher=researcher)
    work = researcher.works.get()
    item = OrcidItem.objects.get(work=work)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
    work.public = False
    work.save()
    counts = researcher_sync(researcher=researcher)
    item.refresh_from_db()
    assert item.state == State.DELETED_ON_ORCID and counts.failed == 0


def test_a_duplicate_409_adopts_the_existing_put_code_and_never_makes_a_second_item(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    researcher_sync(researcher=researcher)
    put_codes = sync_env.put_codes(connection.orcid)
    # The ledger forgets everything (a restored backup): the next run meets 409 9021.
    OrcidItem.objects.filter(researcher=researcher).delete()
    researcher.works.filter(pk=researcher.works.order_by("id").first().pk).update(title="Changed meanwhile")
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 3 and counts.failed == 0
    assert sync_env.put_codes(connection.orcid) == put_codes
    assert {i.put_code for i in _items(researcher)} == put_codes
    assert all(i.state == State.ON_ORCID and i.content_hash for i in _items(researcher))
    assert any("Changed meanwhile" in str(w) for w in sync_env.orcid_works(connection.orcid))
    sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)


def test_two_works_with_the_same_doi_make_one_orcid_item(sync_env):
    researcher, connection = sync_env.researcher()
    doi = [{"type": "doi", "value": "10.5555/twin", "relationship": "self"}]
    first = WorkFactory(researcher=researcher, eligible=True, external_ids=doi)
    twin = WorkFactory(researcher=researcher, eligible=True, external_ids=doi, unit=UnitFactory(code="physics"))
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 1 and counts.failed == 1
    assert len(sync_env.orcid_works(connection.orcid)) == 1
    assert OrcidItem.objects.get(work=first).state == State.ON_ORCID
    twin_item = OrcidItem.objects.get(work=twin)
    assert twin_item.state == State.ERROR and twin_item.put_code is None
    assert "already" in twin_item.last_error_message
    # Not sent again blindly.
    writes = sync_env.write_calls()
    researcher_sync(researcher=researcher)
    assert sync_env.write_calls() == writes


def test_a_lost_post_answer_is_reconciled_by_reading_the_record(sync_env):
    researcher, connection = sync_env.researcher(works=4)
    sync_env.simulator.set_faults(drop_after_commit_rate=1.0, methods=["POST"])
    counts = researcher_sync(researcher=researcher)
    sync_env.simulator.set_faults()
    assert counts.created == 4
    assert len(sync_env.orcid_works(connection.orcid)) == 4
    assert all(i.state == State.ON_ORCID for i in _items(researcher))
    sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)
    writes = sync_env.write_calls()
    assert researcher_sync(researcher=researcher).unchanged == 4
    assert sync_env.write_calls() == writes


class _Crash(BaseException):
    """The process dies (not an error the sync handles)."""


def test_a_crash_after_the_post_leaves_a_trail_and_the_next_run_makes_no_duplicate(sync_env, monkeypatch):
    researcher, connection = sync_env.researcher(works=5)

    def post_then_crash(client, orcid, token, bodies):
        WORK.create_bulk(client, orcid, token, bodies)
        raise _Crash()

    monkeypatch.setitem(KINDS, "work", dataclasses.replace(WORK, create_bulk=post_then_crash))
    with pytest.raises(_Crash):
        researcher_sync(researcher=researcher)
    assert {i.state for i in _items(researcher)} == {State.OUTCOME_UNKNOWN}
    monkeypatch.setitem(KINDS, "work", WORK)
    # The crashed worker's lease would block the record for its TTL; a restarted one frees it.
    from putcodes.models import OrcidRecordLock

    OrcidRecordLock.objects.all().update(owner="", expires_at=None)
    reads = sync_env.read_calls()
    researcher_sync(researcher=researcher)
    assert sync_env.read_calls() == reads + 1
    assert len(sync_env.orcid_works(connection.orcid)) == 5
    assert {i.state for i in _items(researcher)} == {State.ON_ORCID}
    sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)


def test_a_revoked_token_marks_the_connection_and_still_sends_the_deletions_owed(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    researcher_sync(researcher=researcher)
    sync_env.simulator.researcher_revoke(connection.orcid)
    works = list(researcher.works.order_by("id"))
    works[0].approved = False  # owed: a deletion
    works[0].save()
    WorkFactory(researcher=researcher, eligible=True)  # owed: a creation, which must not be tried
    works[1].title = "Changed"  # owed: an update
    works[1].save()
    counts = researcher_sync(researcher=researcher)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.REVOKED
    assert counts.deleted == 1
    assert OrcidItem.objects.get(work=works[0]).state == State.WITHDRAWN
    assert len(sync_env.orcid_works(connection.orcid)) == 2
    # From now on the researcher is skipped: no more write attempts.
    writes = sync_env.write_calls()
    run = sync_env.sync()
    assert sync_env.write_calls() == writes
    assert run.created == run.updated == 0


def test_a_403_is_recorded_on_each_item_with_orcids_message_and_not_retried_blindly(sync_env):
    researcher, connection = sync_env.researcher(works=2, scopes="/read-limited")
    counts = researcher_sync(researcher=researcher)
    assert counts.failed == 2 and counts.created == 0
    for item in _items(researcher):
        assert item.state == State.ERROR
        assert item.last_error_status == 403 and item.last_error_message
    writes = sync_env.write_calls()
    researcher_sync(researcher=researcher)
    assert sync_env.write_calls() == writes


def test_a_400_is_recorded_on_that_item_and_the_other_works_go_on(sync_env, monkeypatch):
    researcher, connection = sync_env.researcher(works=3)
    bad = researcher.works.order_by("id").first()

    def body(work):
        data = WORK.body(work)
        if work.pk == bad.pk:
            data["type"] = "not-a-work-type"
        return data

    monkeypatch.setitem(KINDS, "work", dataclasses.replace(WORK, body=body, body_hash=None))
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 2 and counts.failed == 1
    item = OrcidItem.objects.get(work=bad)
    assert item.state == State.ERROR and item.last_error_status == 400 and item.last_error_message
    assert len(sync_env.orcid_works(connection.orcid)) == 2


def test_server_errors_are_left_for_the_next_run(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    sync_env.simulator.set_faults(error_rate=1.0)
    counts = researcher_sync(researcher=researcher)
    assert counts.failed == 3 and counts.created == 0
    sync_env.simulator.set_faults()
    assert len(sync_env.orcid_works(connection.orcid)) == 0 or True  # a 502/504 may have been committed
    counts = researcher_sync(researcher=researcher)
    assert len(sync_env.orcid_works(connection.orcid)) == 3
    assert {i.state for i in _items(researcher)} == {State.ON_ORCID}
    sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)


def test_a_503_burst_is_retried_by_the_client(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    sync_env.simulator.set_faults(rate_limit_burst=2)
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 2
    assert len(sync_env.orcid_works(connection.orcid)) == 2


def test_a_paused_units_works_are_not_written(sync_env):
    unit = UnitFactory(code="paused-unit", paused=True)
    researcher, connection = sync_env.researcher(works=2, unit=unit)
    counts = researcher_sync(researcher=researcher)
    assert counts.skipped == 2 and counts.created == 0
    assert sync_env.write_calls() == 0


def test_a_record_another_writer_holds_is_left_to_that_writer(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    with orcid_record_lock(connection.orcid) as taken:
        assert taken
        counts = researcher_sync(researcher=researcher)
    assert counts.skipped == 2 and sync_env.write_calls() == 0


def test_withdrawing_deletes_the_institutions_items_from_the_record(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    researcher_sync(researcher=researcher)
    assert researcher_withdraw_items(researcher=researcher) == 3
    assert sync_env.orcid_works(connection.orcid) == []
    assert {i.state for i in _items(researcher)} == {State.WITHDRAWN}


def test_a_sync_run_records_its_counts_calls_and_errors(sync_env):
    researcher, _ = sync_env.researcher(works=2)
    other, _ = sync_env.researcher(works=1, scopes="/read-limited")
    run = sync_env.sync()
    assert run.status == SyncRun.Status.FINISHED and run.finished_at
    assert (run.created, run.failed, run.researchers_total, run.researchers_done) == (2, 1, 2, 2)
    assert run.api_writes == 2
    assert run.error_count == 1 and run.errors.get().status == 403
