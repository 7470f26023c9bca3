"""units/permissions.py: a unit's staff see and act only on their own unit's items."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from employments.models import Employment
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from units.permissions import unit_items_withdraw, unit_scoped
from works.models import Work

pytestmark = pytest.mark.django_db


def staff_of(unit, *, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["employments", "works", "putcodes", "units"],
        codename__regex=r"^(view|change|delete)_",
    ))
    unit.staff.add(user)
    return user


@pytest.fixture
def units():
    hr = HrUnitFactory()
    library = UnitFactory(code="library", name="Library")
    return hr, library


def test_library_staff_do_not_see_hrs_employments_in_the_admin(client, units):
    hr, library = units
    hr_job = EmploymentFactory(unit=hr, role_title="HR-ONLY-ROLE")
    library_job = EmploymentFactory(unit=library, role_title="LIBRARY-ROLE")
    client.force_login(staff_of(library, username="librarian"))

    listing = client.get(reverse("admin:employments_employment_changelist")).content.decode()
    assert "LIBRARY-ROLE" in listing and "HR-ONLY-ROLE" not in listing

    change_url = reverse("admin:employments_employment_change", args=[hr_job.pk])
    response = client.get(change_url, follow=True)
    assert "HR-ONLY-ROLE" not in response.content.decode()
    client.post(change_url, {"role_title": "changed by the library"})
    client.post(reverse("admin:employments_employment_delete", args=[hr_job.pk]), {"post": "yes"})
    hr_job.refresh_from_db()
    assert hr_job.role_title == "HR-ONLY-ROLE"

    own = client.get(reverse("admin:employments_employment_change", args=[library_job.pk]))
    assert own.status_code == 200


def test_hr_staff_cannot_pick_another_unit_in_a_form(client, units):
    hr, library = units
    job = EmploymentFactory(unit=hr)
    client.force_login(staff_of(hr, username="hrstaff"))
    page = client.get(reverse("admin:employments_employment_change", args=[job.pk])).content.decode()
    assert "Human Resources" in page and ">Library" not in page


def test_superusers_see_every_unit(client, units):
    hr, library = units
    EmploymentFactory(unit=hr, role_title="HR-ONLY-ROLE")
    EmploymentFactory(unit=library, role_title="LIBRARY-ROLE")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:employments_employment_changelist")).content.decode()
    assert "LIBRARY-ROLE" in listing and "HR-ONLY-ROLE" in listing


def test_unit_staff_see_only_their_units_in_the_unit_admin(client, units):
    hr, library = units
    client.force_login(staff_of(library, username="librarian"))
    listing = client.get(reverse("admin:units_unit_changelist")).content.decode()
    assert "library" in listing and "Human Resources" not in listing


def test_unit_staff_cannot_change_who_staffs_their_unit(client, units):
    hr, library = units
    librarian = staff_of(library, username="librarian")
    outsider = UserFactory(username="outsider", is_staff=True)
    client.force_login(librarian)
    change_url = reverse("admin:units_unit_change", args=[library.pk])
    client.post(change_url, {
        "code": library.code, "name": "Renamed Library", "requires_approval": "on",
        "staff": [librarian.pk, outsider.pk],
        "api_keys-TOTAL_FORMS": "0", "api_keys-INITIAL_FORMS": "0",
    })
    library.refresh_from_db()
    assert library.name == "Renamed Library"  # the rest of the form still saves
    assert list(library.staff.all()) == [librarian]


def test_pause_action_on_own_unit(client, units):
    hr, library = units
    client.force_login(staff_of(hr, username="hrstaff"))
    client.post(reverse("admin:units_unit_changelist"), {"action": "pause_units", "_selected_action": [hr.pk]})
    hr.refresh_from_db()
    assert hr.paused
    client.post(reverse("admin:units_unit_changelist"), {"action": "resume_units", "_selected_action": [hr.pk]})
    hr.refresh_from_db()
    assert not hr.paused


def test_staff_cannot_pause_another_unit(client, units):
    hr, library = units
    client.force_login(staff_of(library, username="librarian"))
    client.post(reverse("admin:units_unit_changelist"), {"action": "pause_units", "_selected_action": [hr.pk]})
    hr.refresh_from_db()
    assert not hr.paused


def test_withdraw_marks_every_item_of_the_unit_and_nothing_else(units):
    hr, library = units
    EmploymentFactory.create_batch(3, unit=hr)
    WorkFactory(unit=library)
    counts = unit_items_withdraw(unit=hr)
    assert counts == {"works": 0, "employments": 3, "affiliations": 0, "funding": 0}  # every kind answers
    assert not Employment.objects.filter(unit=hr, removed_at__isnull=True).exists()
    assert Work.objects.filter(unit=library, removed_at__isnull=True).count() == 1


def test_withdraw_action_in_the_admin(client, units):
    hr, library = units
    EmploymentFactory.create_batch(2, unit=hr)
    client.force_login(staff_of(hr, username="hrstaff"))
    response = client.post(
        reverse("admin:units_unit_changelist"), {"action": "withdraw_unit_items", "_selected_action": [hr.pk]},
        follow=True,
    )
    assert "2 employment(s) marked for withdrawal" in response.content.decode()


def test_an_api_key_reaches_only_its_units_items(units):
    from units.services import api_key_create

    hr, library = units
    EmploymentFactory(unit=hr)
    WorkFactory(unit=library)
    key = api_key_create(unit=library, scopes=["works:curate"]).api_key
    assert unit_scoped(Work.objects.all(), api_key=key).count() == 1
    assert unit_scoped(Employment.objects.all(), api_key=key).count() == 0


def test_library_staff_do_not_see_hrs_put_codes_or_works(client, units):
    from putcodes.models import OrcidItem

    hr, library = units
    hr_job = EmploymentFactory(unit=hr)
    OrcidItem.objects.create(unit=hr, researcher=hr_job.researcher, orcid="0000-0002-1825-0097", kind="employment",
                             local_id="HR-LEDGER-ROW", employment=hr_job, put_code=918273, state="on_orcid")
    work = WorkFactory(unit=library, title="LIBRARY-WORK")
    OrcidItem.objects.create(unit=library, researcher=work.researcher, orcid="0000-0002-1825-0097", kind="work",
                             local_id="LIB-LEDGER-ROW", work=work, put_code=564738, state="on_orcid")
    WorkFactory(unit=hr, title="HR-WORK")
    client.force_login(staff_of(library, username="librarian"))

    ledger = client.get(reverse("admin:putcodes_orciditem_changelist")).content.decode()
    assert "564738" in ledger and "918273" not in ledger
    works = client.get(reverse("admin:works_work_changelist")).content.decode()
    assert "LIBRARY-WORK" in works and "HR-WORK" not in works


def test_unit_staff_see_and_revoke_only_their_units_api_keys(client, units):
    from units.services import api_key_create

    hr, library = units
    hr_key = api_key_create(unit=hr, scopes=["tokens:read"]).api_key
    library_key = api_key_create(unit=library, scopes=["works:curate"]).api_key
    client.force_login(staff_of(library, username="librarian"))

    listing = client.get(reverse("admin:units_apikey_changelist")).content.decode()
    assert library_key.prefix in listing and hr_key.prefix not in listing
    assert client.get(reverse("admin:units_apikey_change", args=[hr_key.pk])).status_code in (302, 404)

    changelist = reverse("admin:units_apikey_changelist")
    client.post(changelist, {"action": "revoke_keys", "_selected_action": [hr_key.pk, library_key.pk]})
    hr_key.refresh_from_db()
    library_key.refresh_from_db()
    assert hr_key.revoked_at is None  # HR's campus systems keep working
    assert library_key.revoked_at is not None


def test_staff_who_may_only_view_keys_cannot_revoke_them(client, units):
    from units.services import api_key_create

    hr, library = units
    key = api_key_create(unit=library, scopes=["works:curate"]).api_key
    viewer = UserFactory(username="auditor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="units", codename="view_apikey"))
    library.staff.add(viewer)
    client.force_login(viewer)

    assert client.get(reverse("admin:units_apikey_changelist")).status_code == 200
    client.post(reverse("admin:units_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is None


def test_unit_staff_see_only_their_units_api_audit_events(client, units):
    from units.models import ApiAuditEvent
    from units.services import api_key_create

    hr, library = units
    hr_key = api_key_create(unit=hr, scopes=["tokens:read"]).api_key
    library_key = api_key_create(unit=library, scopes=["works:curate"]).api_key
    ApiAuditEvent.objects.create(api_key=hr_key, method="GET", path="/api/v1/researchers/hr-person/orcid",
                                 institutional_id="hr-person", status_code=200, token_disclosed=True)
    library_event = ApiAuditEvent.objects.create(
        api_key=library_key, method="GET", path="/api/v1/researchers/lib-person/works",
        institutional_id="lib-person", status_code=200,
    )
    client.force_login(staff_of(library, username="librarian"))

    listing = client.get(reverse("admin:units_apiauditevent_changelist")).content.decode()
    assert "lib-person" in listing and "hr-person" not in listing
    assert client.get(reverse("admin:units_apiauditevent_change", args=[library_event.pk])).status_code == 200
