"""The sync runs in the admin: unit staff see only their units' runs (issue 18)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from putcodes.models import SyncRun
from tests.fixtures.works import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_unit_staff_see_only_their_units_sync_runs_and_unit_names(client):
    library, hr = UnitFactory(code="library", name="The Library"), UnitFactory(code="hr", name="Human Resources")
    librarian = UserFactory(username="librarian", is_staff=True)
    library.staff.add(librarian)
    librarian.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    ours = SyncRun.objects.create(trigger="admin", triggered_by="librarian", unit=library)
    theirs = SyncRun.objects.create(trigger="admin", triggered_by="hr-person-jdoe", unit=hr)
    everyone = SyncRun.objects.create(trigger="schedule", triggered_by="beat")
    client.force_login(librarian)

    page = client.get("/admin/putcodes/syncrun/").content.decode()
    assert f"/admin/putcodes/syncrun/{ours.pk}/change/" in page
    assert f"/admin/putcodes/syncrun/{theirs.pk}/change/" not in page
    assert f"/admin/putcodes/syncrun/{everyone.pk}/change/" not in page
    assert "hr-person-jdoe" not in page and "Human Resources" not in page
    assert client.get(f"/admin/putcodes/syncrun/{theirs.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"/admin/putcodes/syncrun/{ours.pk}/change/").status_code == 200


def test_superusers_see_every_run(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    runs = [SyncRun.objects.create(trigger="schedule", triggered_by="beat"),
            SyncRun.objects.create(trigger="admin", triggered_by="x", unit=UnitFactory(code="hr"))]
    page = client.get("/admin/putcodes/syncrun/").content.decode()
    assert all(f"/admin/putcodes/syncrun/{run.pk}/change/" in page for run in runs)
