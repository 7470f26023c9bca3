"""GET /api/v1/researchers/{id}/items (CONTRACT §4): every kind, paginated, scoped."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from putcodes.models import OrcidItem
from tests.fixtures.affiliations import AffiliationFactory, FundingFactory, RegistryUnitFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import ResearcherFactory, UnitFactory, WorkFactory
from units.services import api_key_create

pytestmark = pytest.mark.django_db

FIELDS = {"kind", "id", "local_id", "unit", "title", "approved", "orcid_status", "put_code"}


@pytest.fixture
def ada():
    return ResearcherFactory(username="ada")


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_kind_is_listed_with_its_state_and_put_code(ada):
    WorkFactory(researcher=ada, unit=UnitFactory(code="library"), eligible=True)
    EmploymentFactory(researcher=ada, role_title="Professor", org_name="")  # the institution's
    education = AffiliationFactory(researcher=ada, section="education", role_title="DPhil")
    AffiliationFactory(researcher=ada, section="service", role_title="Editor", org_name="")
    funding = FundingFactory(researcher=ada, title="Engines")
    OrcidItem.objects.create(unit=education.unit, researcher=ada, orcid="0000-0002-1825-0097", kind="education",
                             local_id=education.local_id, affiliation=education, put_code=77, state="on_orcid")

    response = session(ada).get("/api/v1/researchers/ada/items")

    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 5 and page["next"] is None
    assert all(set(item) == FIELDS for item in page["results"])
    by_kind = {item["kind"]: item for item in page["results"]}
    assert sorted(by_kind) == ["education", "employment", "funding", "service", "work"]
    assert by_kind["education"]["title"] == "DPhil, University of Oxford"
    # Affiliations of every section, employment included, are named by role and organisation.
    assert by_kind["employment"]["title"] == f"Professor, {settings.INSTITUTION_NAME}"
    assert by_kind["education"]["orcid_status"] == "on_orcid" and by_kind["education"]["put_code"] == 77
    assert by_kind["service"]["orcid_status"] == "pending" and by_kind["service"]["put_code"] is None
    assert by_kind["funding"]["title"] == "Engines" and by_kind["funding"]["id"] == funding.pk


def test_pages_follow_limit_and_next(ada):
    for _ in range(5):
        AffiliationFactory(researcher=ada)
    client = session(ada)
    page = client.get("/api/v1/researchers/ada/items?limit=2").json()
    seen = [item["local_id"] for item in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [item["local_id"] for item in page["results"]]
    assert len(seen) == 5 == len(set(seen))


def test_a_researcher_reaches_only_their_own_items(ada):
    ResearcherFactory(username="bob")
    AffiliationFactory(researcher=ada)
    response = session(ResearcherFactory(username="carol")).get("/api/v1/researchers/ada/items")
    assert response.status_code == 404 and response.json()


def test_a_unit_key_sees_only_its_units_items(ada):
    registry = RegistryUnitFactory()
    AffiliationFactory(researcher=ada, unit=registry)
    FundingFactory(researcher=ada)
    key = api_key_create(unit=registry, scopes=["works:curate"]).key
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    results = client.get("/api/v1/researchers/ada/items").json()["results"]
    assert [item["unit"] for item in results] == ["registry"]
    unscoped = api_key_create(unit=registry, scopes=["reports:read"]).key
    assert Client(HTTP_AUTHORIZATION=f"Bearer {unscoped}").get("/api/v1/researchers/ada/items").status_code == 403
