"""Token disclosure as a vault would (issue 11): `tokens:read` keys may expire, may be limited to
named units' or groups' researchers, and are rate limited; every disclosure is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from units.models import ApiAuditEvent, ApiKey
from units.services import api_key_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people():
    library, law = UnitFactory(code="library"), UnitFactory(code="law")
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    WorkFactory(unit=library, researcher=ada)
    WorkFactory(unit=law, researcher=bob)
    for person in (ada, bob):
        OrcidConnectionFactory(user=person)
    return library, law, ada, bob


def read_token(key: str, institutional_id: str):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/v1/researchers/{institutional_id}/orcid")


def test_an_expired_key_stops_working(people):
    library = people[0]
    issued = api_key_create(unit=library, scopes=["tokens:read"], expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = read_token(issued.key, "ada")
    assert response.status_code == 401
    assert "access_token" not in response.json()


def test_a_key_limited_to_a_unit_discloses_only_that_units_researchers(people):
    library, _law, ada, _bob = people
    issued = api_key_create(unit=library, scopes=["tokens:read"], token_units=[library])
    allowed = read_token(issued.key, "ada")
    assert allowed.status_code == 200 and allowed.json()["access_token"] == ada.orcid_connection.access_token
    refused = read_token(issued.key, "bob")
    assert refused.status_code == 403 and "limited" in refused.json()["message"]
    audited = dict(ApiAuditEvent.objects.values_list("institutional_id", "token_disclosed"))
    assert audited == {"ada": True, "bob": False}


def test_a_key_limited_to_a_group_discloses_only_its_members(people):
    library, _law, _ada, bob = people
    faculty = Group.objects.create(name="faculty")
    bob.groups.add(faculty)
    issued = api_key_create(unit=library, scopes=["tokens:read"], token_groups=[faculty])
    assert read_token(issued.key, "bob").status_code == 200
    assert read_token(issued.key, "ada").status_code == 403


def test_token_disclosures_are_rate_limited_per_key(people, settings):
    settings.API_TOKEN_DISCLOSURE_RATE = "2/min"
    library = people[0]
    first = api_key_create(unit=library, scopes=["tokens:read"])
    assert [read_token(first.key, "ada").status_code for _ in range(3)] == [200, 200, 429]
    assert read_token(first.key, "ada").json()["message"]
    # Another key has its own allowance; keys that cannot disclose tokens are not counted.
    assert read_token(api_key_create(unit=library, scopes=["tokens:read"]).key, "ada").status_code == 200
    state_only = api_key_create(unit=library, scopes=["connections:read"])
    assert [read_token(state_only.key, "ada").status_code for _ in range(3)] == [200, 200, 200]


def test_create_api_key_takes_an_expiry_and_limits(people, capsys):
    faculty = Group.objects.create(name="faculty")
    call_command("create_api_key", "library", "--scopes", "tokens:read", "--expires-days", "30",
                 "--token-units", "LIBRARY", "--token-groups", "faculty")
    key = ApiKey.objects.get()
    assert key.expires_at > timezone.now() + dt.timedelta(days=29)
    assert [u.code for u in key.token_units.all()] == ["library"]
    assert list(key.token_groups.all()) == [faculty]
    assert capsys.readouterr().out.strip().startswith("op_")
    with pytest.raises(CommandError, match="Unknown unit.*nowhere"):
        call_command("create_api_key", "library", "--scopes", "tokens:read", "--token-units", "nowhere")
