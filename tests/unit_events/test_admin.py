"""Unit endpoints and the delivery log in the admin: HTTPS only, unit staff see their own."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from tests.fixtures.works import UnitFactory, UserFactory
from unit_events.models import EventDelivery, UnitEndpoint

pytestmark = pytest.mark.django_db


def test_an_endpoint_must_be_https(client):
    library = UnitFactory(code="library")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    form = {"unit": library.pk, "url": "http://library.example.edu/hook", "event_types": "[]", "active": "on",
            "secret": "s3cret-s3cret"}
    answer = client.post("/admin/unit_events/unitendpoint/add/", form)
    assert answer.status_code == 200 and b"must be an https://" in answer.content
    form["url"] = "https://library.example.edu/hook"
    assert client.post("/admin/unit_events/unitendpoint/add/", form).status_code == 302
    assert UnitEndpoint.objects.get().url == "https://library.example.edu/hook"


def test_unit_staff_see_their_units_deliveries_only(client):
    library, hr = UnitFactory(code="library"), UnitFactory(code="hr")
    for unit in (library, hr):
        endpoint = UnitEndpoint.objects.create(unit=unit, url=f"https://{unit.code}.example.edu/hook")
        EventDelivery.objects.create(endpoint=endpoint, event_type="researcher.connected",
                                     subject=f"person-of-{unit.code}", payload={})
    staff = UserFactory(username="librarian", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_eventdelivery", "view_unitendpoint"]))
    library.staff.add(staff)
    client.force_login(staff)
    text = client.get("/admin/unit_events/eventdelivery/").content.decode()
    assert "person-of-library" in text and "person-of-hr" not in text
    text = client.get("/admin/unit_events/unitendpoint/").content.decode()
    assert "library.example.edu" in text and "hr.example.edu" not in text
