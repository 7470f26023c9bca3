"""The dashboard's "Your employment on ORCID" section and the researcher's choice."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from putcodes.models import OrcidItem
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


def test_dashboard_lists_the_researchers_employments_with_their_orcid_state(client):
    ada = UserFactory(username="ada")
    written = EmploymentFactory(researcher=ada, role_title="Professor", end_year=2024)
    OrcidItem.objects.create(unit=written.unit, researcher=ada, orcid="0000-0002-1825-0097", kind="employment",
                             local_id=written.local_id, employment=written, put_code=77, state="on_orcid")
    EmploymentFactory(researcher=ada, role_title="Lecturer", start_year=2010, start_month=None, start_day=None)
    EmploymentFactory(role_title="Someone else's job")
    client.force_login(ada)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Your employment on ORCID" in page
    assert "Professor" in page and "2019-09-01 to 2024" in page and "put-code" not in page  # none shown (issue 14)
    # Not connected: nothing "will be added" (issue 14: the state after disconnecting).
    assert "Lecturer" in page and "since 2010" in page and "Will be added" not in page
    assert "Not on your ORCID record: connect your ORCID iD to add it" in page
    assert "Someone else" not in page
    assert 'name="email"' in page  # the notification address form


def test_researcher_can_decline_and_approve_again(client):
    ada = UserFactory(username="ada")
    employment = EmploymentFactory(researcher=ada)
    client.force_login(ada)

    response = client.post(reverse("employment-choose", args=[employment.pk]), {"approved": "false"})
    assert response.status_code == 302
    employment.refresh_from_db()
    assert employment.approved is False

    client.post(reverse("employment-choose", args=[employment.pk]), {"approved": "true"})
    employment.refresh_from_db()
    assert employment.approved is True and employment.approved_at is not None


def test_another_researchers_employment_is_a_404(client):
    employment = EmploymentFactory()
    client.force_login(UserFactory())
    assert client.post(reverse("employment-choose", args=[employment.pk]), {"approved": "false"}).status_code == 404
    employment.refresh_from_db()
    assert employment.approved is None


def test_choosing_needs_a_post_with_csrf(client):
    from django.test import Client

    ada = UserFactory(username="ada")
    employment = EmploymentFactory(researcher=ada)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ada)
    assert strict.post(reverse("employment-choose", args=[employment.pk]), {"approved": "false"}).status_code == 403
    client.force_login(ada)
    assert client.get(reverse("employment-choose", args=[employment.pk])).status_code == 405


def test_removed_employment_not_on_orcid_is_not_shown(client):
    ada = UserFactory(username="ada")
    EmploymentFactory(researcher=ada, role_title="Old job", removed_at=timezone.now())
    client.force_login(ada)
    assert "Old job" not in client.get(reverse("dashboard")).content.decode()


def test_dashboard_email_form_sets_the_address(client):
    ada = UserFactory(username="ada", email="")
    client.force_login(ada)
    response = client.post(reverse("notification-email"), {"email": "ada@example.edu"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.email == "ada@example.edu"
    client.post(reverse("notification-email"), {"email": "nonsense"})
    ada.refresh_from_db()
    assert ada.email == "ada@example.edu"


def test_hr_staff_upload_hrs_file_in_the_admin(client):
    from django.contrib.auth.models import Permission
    from django.core.files.uploadedfile import SimpleUploadedFile

    from employments.models import Employment
    from tests.fixtures.employments import HrUnitFactory

    hr = HrUnitFactory()
    staff = UserFactory(username="hrstaff", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="employments"))
    hr.staff.add(staff)
    client.force_login(staff)
    upload = SimpleUploadedFile("hr.csv", b"institutional_id,local_id,department,role_title,start_date,end_date\n"
                                          b"ada,E1,Chemistry,Professor,2019,\nbob,E2,Physics,Lecturer,soon,\n")
    response = client.post(reverse("admin:employments_employment_import"), {"unit": hr.pk, "file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Created 1" in page and "rejected 1" in page and "start_date" in page
    assert Employment.objects.filter(unit=hr, local_id="E1").exists()


def test_the_dashboard_offers_approval_only_where_the_unit_asks_for_it(client):
    from tests.fixtures.works import UnitFactory

    ada = UserFactory(username="ada")
    EmploymentFactory(researcher=ada, role_title="HR job")
    EmploymentFactory(researcher=ada, role_title="Clinic job", unit=UnitFactory(code="medicine", requires_approval=True))
    client.force_login(ada)
    page = client.get(reverse("dashboard")).content.decode()
    hr_row = page[page.index("HR job"):page.index("</tr>", page.index("HR job"))]
    clinic_row = page[page.index("Clinic job"):page.index("</tr>", page.index("Clinic job"))]
    assert "Add to my ORCID record" not in hr_row and "Keep off my ORCID record" in hr_row
    assert "Add to my ORCID record" in clinic_row and "Waiting for your approval" in clinic_row
