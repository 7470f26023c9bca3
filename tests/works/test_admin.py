"""The admin's upload form runs the same import as `manage.py import_works`."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.fixtures.works import UnitFactory, UserFactory
from works.models import Work

pytestmark = pytest.mark.django_db

CSV = (
    "institutional_id,local_id,title,subtitle,type,publication_date,journal,doi,pmid,pmcid,isbn,arxiv,url,contributors,public\n"
    "ada,lib-1,Notes,,journal-article,2019,,10.5555/a.1,,,,,,,true\n"
    "ada,lib-2,Bad,,journal-article,2019,,not-a-doi,,,,,,,true\n"
)


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_upload_imports_good_rows_and_lists_bad_ones(admin_client):
    unit = UnitFactory(code="library")
    page = admin_client.get("/admin/works/work/import/")
    assert page.status_code == 200
    response = admin_client.post("/admin/works/work/import/", {
        "unit": unit.pk, "file": SimpleUploadedFile("works.csv", CSV.encode(), content_type="text/csv")})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Created 1, updated 0, unchanged 0, rejected 1" in text
    assert "line 3" in text and "is not a DOI" in text
    assert Work.objects.get().local_id == "lib-1"


def test_the_changelist_links_to_the_upload(admin_client):
    assert "/admin/works/work/import/" in admin_client.get("/admin/works/work/").content.decode()


def test_unit_staff_may_upload_only_into_their_own_units():
    from django.contrib.auth.models import Permission

    library, law = UnitFactory(code="library"), UnitFactory(code="law")
    staff = UserFactory(username="librarian", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="works"))
    library.staff.add(staff)
    client = Client()
    client.force_login(staff)
    response = client.post("/admin/works/work/import/", {
        "unit": law.pk, "file": SimpleUploadedFile("works.csv", CSV.encode(), content_type="text/csv")})
    assert "Select a valid choice" in response.content.decode()
    assert not Work.objects.exists()


def test_upload_takes_csl_json_too(admin_client):
    import json

    unit = UnitFactory(code="library")
    items = [{"institutional_id": "ada", "local_id": "lib-1", "public": True, "type": "article-journal",
              "title": "Notes", "DOI": "https://doi.org/10.5555/A.1", "issued": {"date-parts": [[2019, 3]]}}]
    response = admin_client.post("/admin/works/work/import/", {
        "unit": unit.pk, "file": SimpleUploadedFile("works.json", json.dumps(items).encode(),
                                                    content_type="application/json")})
    assert "Created 1, updated 0, unchanged 0, rejected 0" in response.content.decode()
    assert Work.objects.get().external_ids[0]["value"] == "10.5555/a.1"
