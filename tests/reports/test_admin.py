"""The adoption page in the admin: charts drawn server-side, unit-scoped for unit staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from reports.services import adoption_snapshot_take
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory

pytestmark = pytest.mark.django_db
URL = "/admin/reports/adoptionsnapshot/"


@pytest.fixture
def two_units():
    hr, library = HrUnitFactory(), UnitFactory(code="library", name="Library")
    for n in range(3):
        person = UserFactory(username=f"hrperson{n}")
        EmploymentFactory(unit=hr, researcher=person, department="Secret Department of HR")
    reader = UserFactory(username="libreader")
    WorkFactory(unit=library, researcher=reader)
    OrcidConnectionFactory(user=reader)
    adoption_snapshot_take(on=dt.date(2026, 11, 1))
    adoption_snapshot_take(on=dt.date(2026, 11, 8))
    return hr, library


def _staff(library):
    staff = UserFactory(username="librarian", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_adoptionsnapshot"))
    library.staff.add(staff)
    return staff


def test_unit_staff_see_their_units_figures_only(client, two_units):
    hr, library = two_units
    client.force_login(_staff(library))
    page = client.get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and "Researchers and connected researchers" in text
    assert "Secret Department of HR" not in text
    assert "1</strong> of 1 researchers connected" in text
    assert client.get(URL, {"unit": "hr"}).content.decode().count("Secret Department of HR") == 0


def test_superusers_see_the_whole_institution(client, two_units):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    text = client.get(URL).content.decode()
    assert "Secret Department of HR" in text
    assert "1</strong> of 4 researchers connected" in text


def test_staff_without_the_permission_are_refused(client, two_units):
    hr, library = two_units
    staff = UserFactory(username="nobody", is_staff=True)
    library.staff.add(staff)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
