"""The curation API (CONTRACT §4): the same rules as the page, for sessions and unit keys."""

from __future__ import annotations

import pytest
from django.test import Client

from putcodes.models import OrcidItem
from tests.fixtures.works import ResearcherFactory, UnitFactory, WorkFactory
from units.models import ApiAuditEvent
from units.services import api_key_create
from works.models import Work

pytestmark = pytest.mark.django_db

FIELDS = {"id", "local_id", "unit", "title", "identifiers", "public", "approved", "orcid_status", "put_code"}


@pytest.fixture
def library():
    return UnitFactory(code="library", name="University Library")


@pytest.fixture
def ada():
    return ResearcherFactory(username="ada")


@pytest.fixture
def ada_session(ada):
    client = Client()
    client.force_login(ada)
    return client


def key_client(unit, scopes):
    issued = api_key_create(unit=unit, scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.key}")


def test_a_researcher_lists_their_works_with_the_contract_fields(ada, ada_session, library):
    work = WorkFactory(researcher=ada, unit=library, local_id="lib-1", eligible=True,
                       external_ids=[{"type": "doi", "value": "10.5555/a.1", "relationship": "self"}])
    OrcidItem.objects.create(unit=library, researcher=ada, orcid="0000-0002-1825-0097", kind="work",
                             local_id="lib-1", work=work, put_code=1234, state="on_orcid")
    WorkFactory(researcher=ada, unit=library, private=True)
    response = ada_session.get("/api/v1/researchers/ada/works")
    assert response.status_code == 200
    page = response.json()  # a page (CONTRACT §4, issue 17: the list was a bare array before)
    assert (page["count"], page["next"], page["previous"]) == (2, None, None)
    first, second = page["results"]
    assert set(first) == FIELDS
    assert first == {
        "id": work.pk, "local_id": "lib-1", "unit": "library", "title": work.title,
        "identifiers": [{"type": "doi", "value": "10.5555/a.1", "relationship": "self",
                         "url": "https://doi.org/10.5555/a.1"}],
        "public": True, "approved": True, "orcid_status": "on_orcid", "put_code": 1234,
    }
    assert second["orcid_status"] == "not_eligible" and second["approved"] is None and second["put_code"] is None


def test_a_researcher_cannot_see_or_change_another_researchers_works(ada_session):
    grace = ResearcherFactory(username="grace")
    work = WorkFactory(researcher=grace)
    assert ada_session.get("/api/v1/researchers/grace/works").status_code == 404
    response = ada_session.patch(f"/api/v1/researchers/grace/works/{work.pk}", {"approved": True},
                                 content_type="application/json")
    assert response.status_code == 404
    assert response.json()["message"]
    # Nor through their own path with someone else's work id.
    assert ada_session.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                             content_type="application/json").status_code == 404
    assert Work.objects.get(pk=work.pk).approved is None
    assert ada_session.get("/api/v1/researchers/nobody/works").status_code == 404


def test_a_researcher_approves_and_rejects_through_patch(ada, ada_session):
    work = WorkFactory(researcher=ada)
    response = ada_session.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                                 content_type="application/json")
    assert response.status_code == 200
    assert response.json()["approved"] is True and response.json()["orcid_status"] == "pending"
    work.refresh_from_db()
    assert work.approved is True and work.approved_at is not None
    response = ada_session.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": False},
                                 content_type="application/json")
    assert response.json()["orcid_status"] == "rejected"


@pytest.mark.parametrize("body", [{}, {"approved": None}, {"approved": "yes"}, {"approved": 1}, ["x"]])
def test_patch_takes_only_true_or_false(ada, ada_session, body):
    work = WorkFactory(researcher=ada)
    response = ada_session.patch(f"/api/v1/researchers/ada/works/{work.pk}", body, content_type="application/json")
    assert response.status_code == 400
    assert "message" in response.json()
    assert Work.objects.get(pk=work.pk).approved is None


def test_session_patch_needs_csrf(ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    work = WorkFactory(researcher=ada)
    response = client.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                            content_type="application/json")
    assert response.status_code == 403
    assert Work.objects.get(pk=work.pk).approved is None


def test_a_unit_key_with_works_curate_acts_for_researchers_and_is_audited(ada, library):
    work = WorkFactory(researcher=ada, unit=library)
    client = key_client(library, ["works:curate"])
    assert [w["id"] for w in client.get("/api/v1/researchers/ada/works").json()["results"]] == [work.pk]
    response = client.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                            content_type="application/json")
    assert response.status_code == 200
    work.refresh_from_db()
    assert work.approved is True and work.approved_by.startswith("API key library:")
    events = ApiAuditEvent.objects.filter(institutional_id="ada", api_key__unit=library)
    assert {e.method for e in events} == {"GET", "PATCH"}


def test_a_key_without_the_scope_is_refused(ada, library):
    WorkFactory(researcher=ada, unit=library)
    client = key_client(library, ["tokens:read"])
    assert client.get("/api/v1/researchers/ada/works").status_code == 403


def test_a_units_key_reaches_only_its_units_works(ada, library):
    other_unit = UnitFactory(code="law")
    theirs = WorkFactory(researcher=ada, unit=other_unit)
    client = key_client(library, ["works:curate"])
    assert client.get("/api/v1/researchers/ada/works").json()["results"] == []
    assert client.patch(f"/api/v1/researchers/ada/works/{theirs.pk}", {"approved": True},
                        content_type="application/json").status_code == 404


def test_without_credentials_the_api_answers_401_or_403(ada):
    response = Client().get("/api/v1/researchers/ada/works")
    assert response.status_code in (401, 403)


def test_the_openapi_schema_describes_the_works_endpoints():
    import yaml  # drf-spectacular depends on PyYAML

    response = Client().get("/api/v1/schema/")
    schema = yaml.safe_load(response.content)
    paths = schema["paths"]
    assert "get" in paths["/api/v1/researchers/{institutional_id}/works"]
    patch = paths["/api/v1/researchers/{institutional_id}/works/{work_id}"]["patch"]
    assert {"200", "400", "404"} <= set(patch["responses"])
    work_schema = schema["components"]["schemas"]["Work"]
    assert set(work_schema["properties"]) == FIELDS
    assert work_schema["properties"]["approved"].get("nullable") is True


def test_an_id_beyond_any_database_is_404(ada, ada_session):
    response = ada_session.patch(f"/api/v1/researchers/ada/works/{2**70}", {"approved": True},
                                 content_type="application/json")
    assert response.status_code == 404


def test_patch_takes_json_only_as_the_schema_says(ada, ada_session):
    """The document offered form bodies, which the approval then refused ("true" is a string)."""
    import yaml

    work = WorkFactory(researcher=ada)
    response = ada_session.patch(f"/api/v1/researchers/ada/works/{work.pk}", "approved=true",
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415 and "message" in response.json()
    assert Work.objects.get(pk=work.pk).approved is None
    schema = yaml.safe_load(Client().get("/api/v1/schema/").content)
    patch = schema["paths"]["/api/v1/researchers/{institutional_id}/works/{work_id}"]["patch"]
    assert set(patch["requestBody"]["content"]) == {"application/json"}
    assert "415" in patch["responses"]


def test_works_come_in_pages_with_the_next_pages_url(ada, ada_session, library):
    works = [WorkFactory(researcher=ada, unit=library) for _ in range(5)]
    page = ada_session.get("/api/v1/researchers/ada/works?limit=2").json()
    seen = []
    while True:
        assert page["count"] == 5 and len(page["results"]) <= 2
        seen += [w["id"] for w in page["results"]]
        if page["next"] is None:
            break
        assert page["next"].startswith("http://testserver/api/v1/researchers/ada/works?")
        page = ada_session.get(page["next"]).json()
    assert seen == [w.pk for w in works]
    # At most 5,000 a page, whatever is asked.
    assert ada_session.get("/api/v1/researchers/ada/works?limit=100000").json()["count"] == 5


def test_every_list_of_the_api_pages_the_same_way():
    from putcodes.items_api import ItemsPagination
    from invitations.api import InvitationPagination
    from reports.pagination import ApiPagination as ReportsPagination
    from units.pagination import ApiPagination

    assert ItemsPagination is InvitationPagination is ReportsPagination is ApiPagination
    assert (ApiPagination.default_limit, ApiPagination.max_limit) == (500, 5000)
