"""Cheap no-change runs (issue 17, item 4): an item written from its object's data as it is now
(the ledger's written fingerprint) is known unchanged without serialising it again; anything
that changes the data, its eligibility or the ledger's hash makes it serialised and compared."""

from __future__ import annotations

import pytest
from django.utils import timezone

import works.orcid_serialization as serialization
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync

pytestmark = pytest.mark.django_db

State = OrcidItem.State


@pytest.fixture
def serialised(monkeypatch):
    """The works serialised (for their content hash and body: once each, from one payload)."""
    calls = []
    original = serialization.work_payload

    def counting(work):
        calls.append(work.pk)
        return original(work)

    monkeypatch.setattr(serialization, "work_payload", counting)
    return calls


def test_a_no_change_run_serialises_nothing(sync_env, serialised):
    researcher, _ = sync_env.researcher(works=5)
    researcher_sync(researcher=researcher)
    assert all(i.written_fingerprint for i in OrcidItem.objects.filter(researcher=researcher))
    serialised.clear()
    run = sync_env.sync()
    assert run.unchanged == 5 and run.api_writes == 0
    assert serialised == []


def test_a_changed_work_is_serialised_and_updated(sync_env, serialised):
    researcher, _ = sync_env.researcher(works=3)
    researcher_sync(researcher=researcher)
    work = researcher.works.order_by("id").first()
    work.title = "A better title"
    work.save()
    serialised.clear()
    run = sync_env.sync()
    assert (run.updated, run.unchanged) == (1, 2)
    assert set(serialised) == {work.pk}  # (planned again in the run's second pass: changes only)
    serialised.clear()
    assert sync_env.sync().unchanged == 3 and serialised == []  # its new fingerprint was kept


def test_a_work_made_ineligible_without_a_new_updated_at_is_still_deleted(sync_env, serialised):
    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    work = researcher.works.order_by("id").first()
    type(work).objects.filter(pk=work.pk).update(approved=False)  # updated_at unchanged
    run = sync_env.sync()
    assert (run.deleted, run.unchanged) == (1, 1)
    assert len(sync_env.orcid_works(connection.orcid)) == 1


def test_a_hash_changed_without_its_fingerprint_is_compared_again(sync_env, serialised):
    researcher, _ = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    item = OrcidItem.objects.filter(researcher=researcher).order_by("id").first()
    OrcidItem.objects.filter(pk=item.pk).update(content_hash="written by someone else")
    serialised.clear()
    run = sync_env.sync()
    assert (run.updated, run.unchanged) == (1, 1)
    assert set(serialised) == {item.work_id}


def test_rows_without_a_fingerprint_are_compared_once_and_then_known(sync_env, serialised):
    researcher, _ = sync_env.researcher(works=4)
    researcher_sync(researcher=researcher)
    OrcidItem.objects.filter(researcher=researcher).update(written_fingerprint="", updated_at=timezone.now())
    serialised.clear()
    run = sync_env.sync()
    assert run.unchanged == 4 and run.api_writes == 0 and len(serialised) == 4
    assert all(i.written_fingerprint for i in OrcidItem.objects.filter(researcher=researcher))
    serialised.clear()
    assert sync_env.sync().unchanged == 4 and serialised == []


def test_a_new_work_is_serialised_once_by_the_thread_that_writes_it(sync_env, serialised):
    from putcodes.sync.load import researcher_plan
    from works.orcid_serialization import work_content_hash

    researcher, connection = sync_env.researcher(works=2)
    plan = researcher_plan(researcher=researcher, orcid=connection.orcid, connection=connection)
    # No ledger row: created whatever its hash, so the planner leaves the serialising to the writer.
    assert len(plan.creates) == 2 and serialised == []
    researcher_sync(researcher=researcher)
    works = list(researcher.works.order_by("id"))
    assert sorted(serialised) == [w.pk for w in works]  # once each, for the body and its hash
    for work in works:
        item = OrcidItem.objects.get(work=work)
        assert (item.state, item.content_hash) == (State.ON_ORCID, work_content_hash(work))
    serialised.clear()
    assert sync_env.sync().unchanged == 2 and serialised == []
