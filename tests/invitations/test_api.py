"""GET /api/v1/invitations?unit=CODE (CONTRACT §4): keys with invitations:read, their own unit
only, paginated as DRF pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from invitations import states
from invitations.models import Invitation
from tests.fixtures.connections import api_key_for
from tests.fixtures.works import UnitFactory
from units.models import ApiAuditEvent

pytestmark = pytest.mark.django_db


def _api(scopes=("invitations:read",), unit_code="library") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(scopes=list(scopes), unit_code=unit_code)}")
    return client


def _invitation(unit, iid: str, **fields) -> Invitation:
    from invitations.links import link_new

    link_id, token_hash = link_new()
    return Invitation.objects.create(unit=unit, institutional_id=iid, email=f"{iid}@example.edu", link_id=link_id,
                                     token_hash=token_hash, expires_at=timezone.now() + dt.timedelta(days=30),
                                     sent_at=timezone.now(), last_sent_at=timezone.now(), **fields)


def test_a_unit_key_lists_its_invitations_with_their_status(invite_env):
    ada = _invitation(invite_env.unit, "ada")
    states.mark_connected(ada)
    _invitation(invite_env.unit, "bob", reminders=1)
    _invitation(invite_env.unit, "cy").__class__.objects.filter(institutional_id="cy").update(
        expires_at=timezone.now() - dt.timedelta(seconds=1))
    _invitation(UnitFactory(code="hr"), "dee")  # another unit's
    answer = _api().get("/api/v1/invitations", {"unit": "library"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 3 and data["next"] is None and data["previous"] is None
    rows = {row["institutional_id"]: row for row in data["results"]}
    assert set(rows["ada"]) == {"institutional_id", "email", "status", "sent_at", "reminders", "connected_at"}
    assert rows["ada"]["status"] == "connected" and rows["ada"]["connected_at"]
    assert rows["bob"] == {**rows["bob"], "status": "sent", "reminders": 1, "connected_at": None}
    assert rows["cy"]["status"] == "expired"
    assert ApiAuditEvent.objects.filter(path="/api/v1/invitations").count() == 1


def test_pages_follow_next_until_null(invite_env):
    for n in range(7):
        _invitation(invite_env.unit, f"p{n}")
    client, url, seen = _api(), "/api/v1/invitations?unit=library&limit=3", []
    while url:
        page = client.get(url).json()
        seen += [row["institutional_id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == [f"p{n}" for n in range(7)]


def test_limit_defaults_to_500_and_stops_at_5000(invite_env):
    from invitations.api import InvitationPagination

    assert (InvitationPagination.default_limit, InvitationPagination.max_limit) == (500, 5000)


def test_another_unit_a_missing_scope_or_a_session_is_refused(invite_env, client):
    _invitation(invite_env.unit, "ada")
    assert _api().get("/api/v1/invitations", {"unit": "hr"}).status_code == 404
    assert _api(scopes=["works:curate"]).get("/api/v1/invitations").status_code == 403
    from tests.fixtures.works import UserFactory

    client.force_login(UserFactory(username="ada"))
    answer = client.get("/api/v1/invitations")
    assert answer.status_code == 403 and "message" in answer.json()
    assert APIClient().get("/api/v1/invitations").status_code == 401


def test_the_schema_documents_the_call(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert "/api/v1/invitations" in schema.content.decode()
