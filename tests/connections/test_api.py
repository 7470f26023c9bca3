"""GET /api/v1/researchers/{institutional_id}/orcid (CONTRACT §4)."""

import pytest
from rest_framework.test import APIClient

from connections.models import OrcidConnection
from tests.fixtures.connections import OrcidConnectionFactory, api_key_for
from tests.fixtures.works import UserFactory
from units.models import ApiAuditEvent

pytestmark = pytest.mark.django_db


def _url(iid):
    return f"/api/v1/researchers/{iid}/orcid"


def _key_client(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def ada_connection():
    return OrcidConnectionFactory(user=UserFactory(username="ada"), orcid="0000-0002-1825-0097")


def test_a_researcher_reads_their_own_connection_without_the_token(client, ada_connection):
    client.force_login(ada_connection.user)
    response = client.get(_url("ada"))
    assert response.status_code == 200
    body = response.json()
    assert body["orcid"] == "0000-0002-1825-0097"
    assert body["status"] == "active"
    assert body["scopes"] == ["/activities/update", "/authenticate", "/read-limited"]
    assert body["connected_at"]
    assert "access_token" not in body


def test_a_researcher_reading_another_researchers_data_gets_404(client, ada_connection):
    client.force_login(UserFactory(username="mallory"))
    response = client.get(_url("ada"))
    assert response.status_code == 404
    assert response.json()["message"]
    assert "0000-0002-1825-0097" not in response.content.decode()
    # ... the same answer as for an ID that does not exist
    assert client.get(_url("nobody-at-all")).json() == response.json()


def test_a_key_without_tokens_read_gets_no_token(ada_connection):
    response = _key_client(api_key_for(scopes=["works:curate"])).get(_url("ada"))
    assert response.status_code == 200
    assert response.json()["orcid"] == "0000-0002-1825-0097"
    assert "access_token" not in response.json()
    assert ada_connection.access_token not in response.content.decode()


def test_a_key_with_tokens_read_gets_the_token_and_the_read_is_audited(ada_connection):
    response = _key_client(api_key_for(scopes=["tokens:read"])).get(_url("ada"))
    assert response.status_code == 200
    assert response.json()["access_token"] == ada_connection.access_token
    event = ApiAuditEvent.objects.get()
    assert event.token_disclosed
    assert event.institutional_id == "ada"
    assert event.api_key.unit.code == "library"
    assert event.status_code == 200
    # An answer holding a token is never kept by a cache on the way.
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_every_token_read_is_audited(ada_connection):
    client = _key_client(api_key_for(scopes=["tokens:read"]))
    for _ in range(3):
        client.get(_url("ada"))
    assert ApiAuditEvent.objects.filter(token_disclosed=True, institutional_id="ada").count() == 3


def test_every_api_use_is_audited_whatever_the_answer(client, ada_connection):
    _key_client(api_key_for(scopes=["works:curate"])).get(_url("ada"))
    _key_client("op_deadbeef_not-a-key").get(_url("ada"))
    client.force_login(UserFactory(username="mallory"))
    client.get(_url("ada"))
    statuses = sorted(ApiAuditEvent.objects.values_list("status_code", flat=True))
    assert statuses == [200, 401, 404]
    assert not ApiAuditEvent.objects.filter(token_disclosed=True).exists()
    assert ApiAuditEvent.objects.get(status_code=404).user.username == "mallory"


def test_a_revoked_connection_discloses_no_token_even_with_tokens_read():
    OrcidConnectionFactory(user=UserFactory(username="ada"), revoked=True)
    body = _key_client(api_key_for(scopes=["tokens:read"])).get(_url("ada")).json()
    assert body["status"] == "revoked"
    assert body["access_token"] is None
    assert not ApiAuditEvent.objects.filter(token_disclosed=True).exists()


def test_a_researcher_who_never_connected_is_disconnected():
    UserFactory(username="grace")
    body = _key_client(api_key_for(scopes=["tokens:read"])).get(_url("grace")).json()
    assert body == {
        "institutional_id": "grace", "orcid": None, "orcid_uri": None, "name": "", "status": "disconnected",
        "scopes": [], "connected_at": None, "access_token": None,
    }


def test_a_disconnected_researcher_shows_no_id():
    OrcidConnectionFactory(
        user=UserFactory(username="ada"), status=OrcidConnection.Status.DISCONNECTED,
        access_token_encrypted="", refresh_token_encrypted="",
    )
    body = _key_client(api_key_for(scopes=["connections:read"])).get(_url("ada")).json()
    assert body["status"] == "disconnected" and body["orcid"] is None


def test_without_credentials_the_answer_is_401_json(ada_connection):
    response = APIClient().get(_url("ada"))
    assert response.status_code == 401
    assert response.json()["message"]


def test_a_revoked_key_stops_working_at_once(ada_connection):
    from units.models import ApiKey
    from units.services import api_key_revoke

    key = api_key_for(scopes=["tokens:read"])
    api_key_revoke(api_key=ApiKey.objects.get())
    assert _key_client(key).get(_url("ada")).status_code == 401


def test_the_schema_documents_the_call_and_its_token_field(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/researchers/{institutional_id}/orcid" in text
    assert "access_token" in text


def test_the_institutional_id_is_found_whatever_its_case_as_in_the_works_api(client, ada_connection):
    response = _key_client(api_key_for(scopes=["tokens:read"])).get(_url("ADA"))
    assert response.status_code == 200
    assert response.json()["institutional_id"] == "ada" and response.json()["access_token"]
    client.force_login(ada_connection.user)
    assert client.get(_url("Ada")).json()["orcid"] == "0000-0002-1825-0097"


@pytest.mark.parametrize("status", ["locked", "deactivated"])
def test_a_record_waiting_on_orcid_shows_its_state_without_a_primary(status):
    OrcidConnectionFactory(user=UserFactory(username="ada"), status=status)
    body = _key_client(api_key_for(scopes=["connections:read"])).get(_url("ada")).json()
    assert body["status"] == status
    assert "primary_orcid" not in body


def test_a_deprecated_record_names_the_primary_id_it_was_merged_into():
    OrcidConnectionFactory(user=UserFactory(username="ada"), orcid="0000-0002-1825-0097",
                           status="deprecated", primary_orcid="0000-0001-5109-3700")
    body = _key_client(api_key_for(scopes=["connections:read"])).get(_url("ada")).json()
    assert body["status"] == "deprecated"
    assert body["orcid"] == "0000-0002-1825-0097"
    assert body["primary_orcid"] == "0000-0001-5109-3700"


def test_the_schema_lists_the_record_states_and_primary_orcid(client):
    text = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for word in ("locked", "deactivated", "deprecated", "primary_orcid"):
        assert word in text


def test_the_schema_lists_exactly_the_contracts_seven_statuses(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    schemas = schema["components"]["schemas"]
    status = schemas["OrcidConnection"]["properties"]["status"]
    enum = status.get("enum") or schemas[status["allOf"][0]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert set(enum) == {"active", "revoked", "expired", "disconnected", "locked", "deactivated", "deprecated"}
