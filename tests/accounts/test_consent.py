"""Consent is the researcher's (issue 11): staff see a researcher's choices in the admin and
never set them; every change of a choice is recorded with who made it and how."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.forms.models import model_to_dict
from django.test import Client

from accounts.models import ConsentEvent
from employments.services import employment_choose
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from units.services import api_key_create
from works.models import Work
from works.services import work_set_approval, works_set_approval

pytestmark = pytest.mark.django_db


def staff_client(unit, *, username="librarian", superuser=False):
    user = UserFactory(username=username, is_staff=True, is_superuser=superuser)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label__in=["works", "employments", "accounts"], codename__regex=r"^(view|change)_"))
    unit.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


def change_form(work, **overrides):
    """The admin change form's fields as the page would post them back."""
    data = {}
    for name, value in model_to_dict(work).items():
        if isinstance(value, bool):
            value = "on" if value else ""
        elif isinstance(value, (list, dict)):
            value = json.dumps(value)
        data[name] = "" if value is None else value
    data.update(overrides)
    return data


@pytest.mark.parametrize("superuser", [False, True])
def test_staff_cannot_set_approval_in_the_admin(superuser):
    library = UnitFactory(code="library")
    work = WorkFactory(unit=library, researcher=UserFactory(username="ada"))
    client = staff_client(library, superuser=superuser)
    page = client.get(f"/admin/works/work/{work.pk}/change/")
    assert page.status_code == 200
    assert 'name="approved"' not in page.content.decode()  # shown, not a field of the form

    client.post(f"/admin/works/work/{work.pk}/change/", change_form(work, approved="true"))
    work.refresh_from_db()
    assert work.approved is None
    assert not ConsentEvent.objects.exists()


def test_moving_a_work_to_another_researcher_clears_the_choice_and_records_it():
    library = UnitFactory(code="library")
    ada, grace = UserFactory(username="ada"), UserFactory(username="grace")
    work = WorkFactory(unit=library, researcher=ada)
    work_set_approval(work=work, approved=True, by=ada)
    client = staff_client(library)

    response = client.post(f"/admin/works/work/{work.pk}/change/", change_form(work, researcher=grace.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    work.refresh_from_db()
    assert work.researcher == grace and work.approved is None and work.approved_at is None
    cleared = ConsentEvent.objects.filter(object_id=work.pk).first()
    assert cleared.approved is None and cleared.via == ConsentEvent.Via.ADMIN and cleared.actor == "librarian"


def test_every_choice_is_recorded_and_shown_in_the_admin():
    library = UnitFactory(code="library")
    ada = UserFactory(username="ada")
    first, second = WorkFactory(unit=library, researcher=ada), WorkFactory(unit=library, researcher=ada)
    work_set_approval(work=first, approved=True, by=ada)
    works_set_approval(researcher=ada, work_ids=[first.pk, second.pk], approved=False, by=ada)

    history = list(ConsentEvent.objects.filter(object_id=first.pk, kind="work").order_by("id"))
    assert [(e.approved, e.actor, e.via) for e in history] == [(True, "ada", "page"), (False, "ada", "page")]
    page = staff_client(library).get(f"/admin/works/work/{first.pk}/change/").content.decode()
    assert "Approval history" in page and "no, not on ORCID" in page and "yes, on ORCID" in page


def test_a_unit_key_acting_for_the_researcher_is_named_in_the_history():
    library = UnitFactory(code="library")
    ada = UserFactory(username="ada")
    work = WorkFactory(unit=library, researcher=ada)
    issued = api_key_create(unit=library, scopes=["works:curate"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    response = client.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                            content_type="application/json")
    assert response.status_code == 200
    event = ConsentEvent.objects.get(object_id=work.pk)
    assert event.via == "api" and event.actor.startswith("API key library:") and event.approved is True
    assert Work.objects.get(pk=work.pk).approved is True


def test_employment_choices_are_recorded_and_staff_cannot_set_them():
    hr = HrUnitFactory()
    ada = UserFactory(username="ada")
    employment = EmploymentFactory(unit=hr, researcher=ada)
    employment_choose(employment=employment, researcher=ada, approved=False)
    assert ConsentEvent.objects.get(kind="employment", object_id=employment.pk).approved is False

    page = staff_client(hr, username="hr-staff").get(f"/admin/employments/employment/{employment.pk}/change/")
    text = page.content.decode()
    assert 'name="approved"' not in text and "Approval history" in text


def test_staff_see_only_their_units_consent_events():
    library, law = UnitFactory(code="library"), UnitFactory(code="law")
    ada = UserFactory(username="ada")
    work_set_approval(work=WorkFactory(unit=library, researcher=ada), approved=True, by=ada)
    work_set_approval(work=WorkFactory(unit=law, researcher=ada, local_id="law-1"), approved=True, by=ada)
    page = staff_client(library).get("/admin/accounts/consentevent/").content.decode()
    assert "law-1" not in page
    assert "1 consent event" in page
