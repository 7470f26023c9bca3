"""The dashboard's affiliation and funding sections, the researcher's choice, and the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from accounts.models import ConsentEvent
from tests.fixtures.affiliations import AffiliationFactory, FundingFactory, RegistryUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_shows_each_section_the_researcher_has_and_funding():
    ada = UserFactory(username="ada")
    AffiliationFactory(researcher=ada, section="education", role_title="DPhil")
    AffiliationFactory(researcher=ada, section="distinction", role_title="Fellow of the Royal Society")
    FundingFactory(researcher=ada, title="Engines of difference")
    page = session(ada).get("/").content.decode()
    assert 'id="education"' in page and "DPhil" in page
    assert 'id="distinction"' in page and "Fellow of the Royal Society" in page
    assert 'id="membership"' not in page  # no section without items
    assert 'id="funding"' in page and "Engines of difference" in page
    assert "Keep off my ORCID record" in page


def test_saying_no_is_recorded_and_another_researchers_item_is_404():
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    affiliation = AffiliationFactory(researcher=ada, section="service")
    funding = FundingFactory(researcher=ada)
    client = session(ada)
    assert client.post(f"/affiliations/{affiliation.pk}/choose/", {"approved": "false"}).status_code == 302
    assert client.post(f"/funding/{funding.pk}/choose/", {"approved": "false"}).status_code == 302
    affiliation.refresh_from_db()
    funding.refresh_from_db()
    assert affiliation.approved is False and funding.approved is False
    assert set(ConsentEvent.objects.values_list("kind", flat=True)) == {"service", "funding"}
    assert session(bob).post(f"/affiliations/{affiliation.pk}/choose/", {"approved": "true"}).status_code == 404
    assert session(bob).post(f"/funding/{funding.pk}/choose/", {"approved": "true"}).status_code == 404


def test_unit_staff_see_only_their_units_affiliations_and_filter_by_section():
    registry, other = RegistryUnitFactory(), UnitFactory(code="graduate-school")
    mine = AffiliationFactory(unit=registry, role_title="Mine", section="education")
    AffiliationFactory(unit=other, role_title="Theirs", section="education")
    staff = UserFactory(username="registrar", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=["affiliations", "funding"]))
    registry.staff.add(staff)
    client = session(staff)
    page = client.get("/admin/affiliations/affiliation/?section__exact=education").content.decode()
    assert mine.local_id in page and "Theirs" not in page
    assert client.get(f"/admin/affiliations/affiliation/{mine.pk}/change/").status_code == 200
    assert client.get("/admin/funding/funding/").status_code == 200


def test_the_funding_admin_uploads_a_file_and_names_its_bad_rows():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from funding.models import Funding
    from tests.fixtures.affiliations import ResearchOfficeUnitFactory

    office = ResearchOfficeUnitFactory()
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    header = ("institutional_id,local_id,title,type,funder_name,funder_city,funder_country,funder_identifier,"
              "funder_identifier_source,grant_number,grant_url,amount,currency,start_date,end_date,role\n")
    good = "ada,G1,Engines,grant,Wellcome Trust,London,GB,100004440,FUNDREF,WT-1,,1000,GBP,2021,,lead\n"
    bad = "ada,G2,Engines II,grant,Wellcome Trust,London,GB,100004440,FUNDREF,WT-2,,1000,ZZZ,2021,,lead\n"
    upload = SimpleUploadedFile("funding.csv", (header + good + bad).encode(), content_type="text/csv")
    client = session(boss)
    assert "/admin/funding/funding/import/" in client.get("/admin/funding/funding/").content.decode()
    response = client.post("/admin/funding/funding/import/", {"unit": office.pk, "file": upload}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert Funding.objects.filter(local_id="G1").exists() and not Funding.objects.filter(local_id="G2").exists()
    assert "line 3" in page and "ISO 4217" in page
