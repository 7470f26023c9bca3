"""The admin's operations page (/admin/operations/) and the index's first panel (issue 14):
figures by state and kind, withdrawals by the institution apart from researchers' own choices,
and unit staff seeing their units' figures only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from operations.overview import items_table
from putcodes.models import OrcidItem, SyncRun
from putcodes.selectors import WITHDRAWN_BY_RESEARCHER, ledger_states_by_kind
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def _item(work, state, **fields) -> OrcidItem:
    return OrcidItem.objects.create(
        unit=work.unit, researcher=work.researcher, orcid="0000-0002-0000-0001", kind=OrcidItem.Kind.WORK,
        local_id=work.local_id, work=work, state=state, **fields,
    )


@pytest.fixture
def two_units():
    library, hr = UnitFactory(code="library"), UnitFactory(code="hr")
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    OrcidConnectionFactory(user=ada)
    OrcidConnectionFactory(user=bob, revoked=True)
    _item(WorkFactory(researcher=ada, unit=library, rejected=True), OrcidItem.State.WITHDRAWN)  # her choice
    _item(WorkFactory(researcher=ada, unit=library, eligible=True, public=False), OrcidItem.State.WITHDRAWN)
    _item(WorkFactory(researcher=ada, unit=library, eligible=True), OrcidItem.State.ON_ORCID, put_code=5)
    _item(WorkFactory(researcher=bob, unit=hr, eligible=True), OrcidItem.State.ERROR,
          last_error_status=400, last_error_message="Invalid work type")
    SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, unit=library, status=SyncRun.Status.FINISHED, created=3)
    SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, unit=hr, status=SyncRun.Status.FINISHED, failed=1)
    return library, hr


def test_withdrawn_by_the_institution_is_counted_apart_from_the_researchers_choice(two_units):
    counts = ledger_states_by_kind()
    assert counts[("work", "withdrawn")] == 1
    assert counts[("work", WITHDRAWN_BY_RESEARCHER)] == 1
    labels = dict(items_table(user=UserFactory(username="root", is_superuser=True, is_staff=True))["states"])
    assert labels["withdrawn"] == "Withdrawn by the institution"
    assert labels[WITHDRAWN_BY_RESEARCHER] == "Withdrawn at the researcher's request"


def test_the_operations_page_shows_every_figure_to_a_superuser(client, two_units):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = client.get(reverse("admin-operations"))
    assert page.status_code == 200
    html = page.content.decode()
    for text in ("Connections by state", "Items by kind and state", "Failing items", "Recent sync runs", "Backlog",
                 "Invalid work type", "Withdrawn by the institution", "Withdrawn at the researcher&#x27;s request"):
        assert text in html, text
    assert "Figures for all units" in html


def test_unit_staff_see_their_units_figures_only(client, two_units):
    library, _ = two_units
    librarian = UserFactory(username="librarian", is_staff=True)
    library.staff.add(librarian)
    librarian.user_permissions.add(*Permission.objects.filter(content_type__app_label="putcodes",
                                                              codename__startswith="view_"))
    client.force_login(librarian)
    html = client.get(reverse("admin-operations")).content.decode()
    assert "Invalid work type" not in html  # hr's failing item
    assert "No item is failing." in html
    page = client.get(reverse("admin-operations"))
    table = page.context["items"]
    assert table["total"] == 3
    runs = page.context["runs"]
    assert [run.unit_id for run in runs] == [library.pk]
    connections = {row["status"]: row["count"] for row in page.context["connections"]}
    assert connections["active"] == 1 and connections["revoked"] == 0


def test_staff_without_ledger_permissions_are_refused_and_the_index_panel_links_the_page(client, two_units):
    clerk = UserFactory(username="clerk", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin-operations")).status_code == 403
    assert "Open the operations page" not in client.get(reverse("admin:index")).content.decode()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    index = client.get(reverse("admin:index")).content.decode()
    assert "Open the operations page" in index
    assert index.index("Open the operations page") < index.index("app-putcodes")


def test_read_only_ledger_rows_and_runs_cannot_be_changed_or_deleted(client, two_units):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    item = OrcidItem.objects.get(state=OrcidItem.State.ON_ORCID)
    page = client.get(reverse("admin:putcodes_orciditem_change", args=[item.pk])).content.decode()
    assert 'name="_save"' not in page and "deletelink" not in page
    assert client.post(reverse("admin:putcodes_orciditem_delete", args=[item.pk]), {"post": "yes"}).status_code == 403
    run = SyncRun.objects.first()
    assert client.post(reverse("admin:putcodes_syncrun_delete", args=[run.pk]), {"post": "yes"}).status_code == 403
    assert OrcidItem.objects.filter(pk=item.pk).exists() and SyncRun.objects.filter(pk=run.pk).exists()
