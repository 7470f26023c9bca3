"""putcodes/reconcile.py: what the researcher did on their record reaches the ledger, over
real HTTP against the simulator."""

from __future__ import annotations

import pytest
from django.core import mail

from employments.services import employment_choose
from putcodes.models import OrcidItem
from putcodes.reconcile import researcher_reconcile, researchers_to_reconcile
from putcodes.services import researcher_sync
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UserFactory, WorkFactory


pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(orcid_simulator, settings):
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    record = orcid_simulator.create_record(name="Ada Lovelace")
    user = UserFactory(username="ada", email="ada@example.edu")
    OrcidConnectionFactory(user=user, orcid=record["orcid"], access_token_plain=record["access_token"])
    return user


def synced(ada):
    work = WorkFactory(researcher=ada, eligible=True)
    employment = EmploymentFactory(researcher=ada)
    researcher_sync(researcher=ada)
    return OrcidItem.objects.get(work=work), OrcidItem.objects.get(employment=employment)


def test_deleted_on_orcid_is_marked_and_not_recreated(orcid_simulator, ada):
    work_item, employment_item = synced(ada)
    orcid = ada.orcid_connection.orcid
    orcid_simulator.researcher_delete(orcid, work_item.put_code)
    orcid_simulator.researcher_delete(orcid, employment_item.put_code)

    result = researcher_reconcile(researcher=ada)

    assert sorted(result.deleted_on_orcid) == sorted([work_item.pk, employment_item.pk])
    assert result.reads == 1  # one GET /activities for both kinds (issue 17)
    for item in (work_item, employment_item):
        item.refresh_from_db()
        assert item.state == "deleted_on_orcid" and item.deleted_on_orcid_at is not None
    counts = researcher_sync(researcher=ada)
    assert counts.created == 0
    assert orcid_simulator.record(orcid)["items"] == []


def test_an_employment_approved_again_after_its_deletion_is_written_again(orcid_simulator, ada):
    _, employment_item = synced(ada)
    orcid_simulator.researcher_delete(ada.orcid_connection.orcid, employment_item.put_code)
    researcher_reconcile(researcher=ada)

    employment_choose(employment=employment_item.employment, researcher=ada, approved=True)

    assert researcher_sync(researcher=ada).created == 1
    employment_item.refresh_from_db()
    assert employment_item.state == "on_orcid"


def test_a_visibility_change_is_recorded(orcid_simulator, ada):
    work_item, _ = synced(ada)
    first = researcher_reconcile(researcher=ada)
    assert first.visibility_changed == 0
    work_item.refresh_from_db()
    assert work_item.visibility == "public"
    orcid_simulator.researcher_set_visibility(ada.orcid_connection.orcid, work_item.put_code, "private")

    result = researcher_reconcile(researcher=ada)

    assert result.visibility_changed == 1 and result.deleted_on_orcid == []
    work_item.refresh_from_db()
    assert work_item.visibility == "private" and work_item.state == "on_orcid"


def test_a_revoked_token_marks_the_connection_revoked_and_emails_the_researcher(
    orcid_simulator, ada, django_capture_on_commit_callbacks
):
    synced(ada)
    orcid_simulator.researcher_revoke(ada.orcid_connection.orcid)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        result = researcher_reconcile(researcher=ada)

    assert result.skipped == "ORCID access revoked"
    ada.orcid_connection.refresh_from_db()
    assert ada.orcid_connection.status == "revoked"
    assert [email.to for email in mail.outbox] == [["ada@example.edu"]]
    assert "/orcid/connect/" in mail.outbox[0].body


def test_a_researcher_with_nothing_on_orcid_costs_no_call(orcid_simulator, ada, monkeypatch):
    def no_client():
        raise AssertionError("no ORCID call expected")

    monkeypatch.setattr("putcodes.reconcile.default_client", no_client)
    assert researcher_reconcile(researcher=ada).skipped == "nothing on ORCID"
    assert list(researchers_to_reconcile()) == []


def test_the_periodic_reconcile_reads_only_records_with_items(orcid_simulator, ada):
    synced(ada)
    UserFactory(username="bob")
    assert list(researchers_to_reconcile()) == [ada.pk]
