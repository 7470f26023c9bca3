"""The operations admin: the ledger (filters, search, actions), sync runs, the overview page;
unit staff see only their units' items."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from putcodes.models import OrcidItem, SyncRun
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def _item(work, **fields) -> OrcidItem:
    defaults = dict(
        unit=work.unit, researcher=work.researcher, orcid="0000-0002-0000-0001", kind=OrcidItem.Kind.WORK,
        local_id=work.local_id, work=work, put_code=None, state=OrcidItem.State.PENDING,
    )
    defaults.update(fields)
    return OrcidItem.objects.create(**defaults)


@pytest.fixture
def superuser(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.fixture
def librarian(client):
    """Staff of the library unit with the demo's view/change permissions on the ledger."""
    user = UserFactory(username="librarian", is_staff=True)
    UnitFactory(code="library").staff.add(user)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["putcodes", "works"], codename__regex=r"^(view|change)_"
    ))
    client.force_login(user)
    return user


def test_the_ledger_list_searches_by_put_code_doi_and_institutional_id(client, superuser):
    ada = UserFactory(username="ada")
    work = WorkFactory(researcher=ada, external_ids=[{"type": "doi", "value": "10.1234/findme", "relationship": "self"}])
    _item(work, put_code=424242, state=OrcidItem.State.ON_ORCID)
    other = _item(WorkFactory(), put_code=111, state=OrcidItem.State.ON_ORCID)
    url = reverse("admin:putcodes_orciditem_changelist")
    for term in ("424242", "10.1234/findme", "ada"):
        page = client.get(url, {"q": term}).content.decode()
        assert work.local_id in page, term
        assert other.local_id not in page, term


def test_the_ledger_filters_by_state_and_error(client, superuser):
    failed = _item(WorkFactory(), state=OrcidItem.State.ERROR, last_error_status=400, last_error_message="Bad title")
    fine = _item(WorkFactory(), put_code=7, state=OrcidItem.State.ON_ORCID)
    url = reverse("admin:putcodes_orciditem_changelist")
    page = client.get(url, {"error": "400"}).content.decode()
    assert failed.local_id in page and fine.local_id not in page
    assert "Bad title" in page
    page = client.get(url, {"state__exact": "on_orcid"}).content.decode()
    assert fine.local_id in page and failed.local_id not in page


def test_unit_staff_see_only_their_units_items(client, librarian):
    library = UnitFactory(code="library")
    mine = _item(WorkFactory(unit=library))
    theirs = _item(WorkFactory(unit=UnitFactory(code="physics")))
    page = client.get(reverse("admin:putcodes_orciditem_changelist")).content.decode()
    assert mine.local_id in page and theirs.local_id not in page
    assert client.get(reverse("admin:putcodes_orciditem_change", args=[theirs.pk])).status_code in (302, 403, 404)


def test_retry_failed_items_lets_the_next_sync_send_them_again(client, superuser):
    failed = _item(WorkFactory(eligible=True), state=OrcidItem.State.ERROR, attempted_hash="abc",
                   last_error_status=403, last_error_message="Forbidden")
    response = client.post(reverse("admin:putcodes_orciditem_changelist"), {
        "action": "retry_failed_items", "_selected_action": [failed.pk],
    })
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.attempted_hash == ""


def test_the_sync_overview_shows_the_backlog_and_a_chart_of_recent_runs(client, superuser):
    _item(WorkFactory(), state=OrcidItem.State.PENDING)
    _item(WorkFactory(), state=OrcidItem.State.ERROR, last_error_status=400)
    SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, created=30, updated=5, failed=2, status="finished")
    SyncRun.objects.create(trigger=SyncRun.Trigger.SCHEDULE, created=0, updated=1, unchanged=35, status="finished")
    response = client.get(reverse("admin:putcodes_sync_overview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "<rect" in page
    assert "Created: 30" in page
    assert "2</strong> ledger item(s) owed" in page


def test_the_sync_overview_needs_the_permission_to_view_the_ledger(client):
    user = UserFactory(username="clerk", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:putcodes_sync_overview")).status_code == 403


def test_sync_selected_researchers_now_from_the_connections_admin_records_a_run(client, superuser):
    from tests.fixtures.connections import OrcidConnectionFactory

    connection = OrcidConnectionFactory()
    WorkFactory(researcher=connection.user)  # nothing approved: the run makes no ORCID call
    response = client.post(reverse("admin:connections_orcidconnection_changelist"), {
        "action": "sync_selected_connections", "_selected_action": [connection.pk],
    }, follow=True)
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.ADMIN and run.triggered_by == "boss"
    assert run.status == SyncRun.Status.FINISHED and run.researchers_total == 1
    assert f"sync run {run.pk}" in response.content.decode()


def test_sync_selected_researchers_now_from_the_ledger_is_limited_to_the_staffs_units(client, librarian, monkeypatch):
    from putcodes import admin as putcodes_admin

    seen = {}

    def fake_sync_now(*, researcher_ids, triggered_by, units=None, trigger=None):
        seen.update(researcher_ids=list(researcher_ids), units=units)
        return SyncRun.objects.create(trigger=SyncRun.Trigger.ADMIN, triggered_by=triggered_by)

    monkeypatch.setattr(putcodes_admin, "researchers_sync_now", fake_sync_now)
    item = _item(WorkFactory(unit=UnitFactory(code="library")))
    client.post(reverse("admin:putcodes_orciditem_changelist"), {
        "action": "sync_selected_researchers", "_selected_action": [item.pk],
    })
    assert seen["researcher_ids"] == [item.researcher_id]
    assert [u.code for u in seen["units"]] == ["library"]
