"""Token lifecycle against the ORCID simulator: refresh before expiry, ORCID refusing a
token, disconnect (items first, then /oauth/revoke)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from connections import services
from connections.models import OrcidConnection
from orcid_client.client import OrcidClient
from orcid_client.errors import TokenRevoked, Unavailable
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_client(settings):
    # No long backoffs when the simulator is told to fail.
    settings.ORCID_MAX_RETRIES = 1
    settings.ORCID_BACKOFF_BASE = 0.01


def _connection_for(record: dict, **kwargs) -> OrcidConnection:
    return OrcidConnectionFactory(
        orcid=record["orcid"], access_token_plain=record["access_token"],
        refresh_token_plain=record["refresh_token"], **kwargs,
    )


def _token_statuses(simulator, orcid) -> list[str]:
    return [t["status"] for t in simulator.record(orcid)["tokens"]]


def test_a_token_close_to_expiry_is_refreshed_before_use(orcid_simulator, caplog):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record, expires_at=timezone.now() + dt.timedelta(minutes=5))
    with caplog.at_level(logging.DEBUG):
        token = services.connection_access_token(connection=connection)
    assert token != record["access_token"]
    assert OrcidClient().works_read(orcid=record["orcid"], access_token=token) == []
    connection.refresh_from_db()
    assert connection.access_token == token
    assert connection.expires_at > timezone.now() + dt.timedelta(days=1)
    assert connection.refreshed_at is not None
    assert connection.events.filter(kind="refreshed").count() == 1
    # Later reads use the stored token without asking ORCID again.
    orcid_simulator.clear_calls()
    assert services.connection_access_token(connection=connection) == token
    assert orcid_simulator.calls() == []
    assert token not in caplog.text and record["refresh_token"] not in caplog.text


def test_a_refresh_orcid_refuses_turns_the_connection_revoked(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record, expires_at=timezone.now() + dt.timedelta(minutes=1))
    orcid_simulator.researcher_revoke(record["orcid"])
    with pytest.raises(TokenRevoked):
        services.connection_access_token(connection=connection)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.REVOKED
    assert connection.revoked_by == OrcidConnection.RevokedBy.RESEARCHER
    assert connection.access_token == record["access_token"]  # kept, encrypted, for deletions


def test_a_token_the_researcher_revoked_still_deletes_the_institutions_items(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    client = OrcidClient()
    put_code = client.work_create(
        orcid=record["orcid"], access_token=record["access_token"],
        body={"title": {"title": {"value": "On the Analytical Engine"}}, "type": "journal-article",
              "external-ids": {"external-id": [{"external-id-type": "doi", "external-id-value": "10.5555/ae.1",
                                                "external-id-relationship": "self"}]}},
    )
    orcid_simulator.researcher_revoke(record["orcid"])
    with pytest.raises(TokenRevoked):
        client.works_read(orcid=record["orcid"], access_token=connection.access_token)
    services.connection_mark_revoked(connection=connection, reason="invalid_token")
    token = services.connection_access_token(connection=connection, for_delete=True)
    client.work_delete(orcid=record["orcid"], access_token=token, put_code=put_code)
    assert orcid_simulator.record(record["orcid"])["items"] == []


def test_disconnecting_revokes_the_token_at_orcid_and_forgets_it(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    result = services.connection_disconnect(connection=connection, remove_items=False, actor=connection.user)
    assert result.revoked_at_orcid and result.items_removed is None
    assert _token_statuses(orcid_simulator, record["orcid"]) == ["revoked_by_client"]
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.DISCONNECTED
    assert connection.revoked_by == OrcidConnection.RevokedBy.PORTAL
    assert connection.access_token_encrypted == "" and connection.refresh_token_encrypted == ""
    with pytest.raises(TokenRevoked):
        services.connection_access_token(connection=connection, for_delete=True)
    with pytest.raises(TokenRevoked):
        OrcidClient().works_read(orcid=record["orcid"], access_token=record["access_token"])


def test_disconnecting_with_removal_withdraws_the_items_before_revoking(orcid_simulator, monkeypatch):
    import putcodes.services

    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    seen = []

    def withdraw(*, researcher):
        # The token still works while the items are being removed.
        seen.append((researcher, _token_statuses(orcid_simulator, record["orcid"])))
        return 3

    monkeypatch.setattr(putcodes.services, "researcher_withdraw_items", withdraw)
    result = services.connection_disconnect(connection=connection, remove_items=True)
    assert result.items_removed == 3
    assert seen == [(connection.user, ["active"])]
    assert _token_statuses(orcid_simulator, record["orcid"]) == ["revoked_by_client"]
    assert set(connection.events.values_list("kind", flat=True)) >= {"items_withdrawn", "disconnected"}


def test_when_orcid_cannot_be_reached_disconnect_leaves_the_connection_as_it_was(orcid_simulator, quick_client):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    orcid_simulator.set_faults(error_rate=1.0, paths=["/oauth/revoke"])
    with pytest.raises(Unavailable):
        services.connection_disconnect(connection=connection, remove_items=False)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    assert connection.access_token == record["access_token"]


def test_disconnecting_after_the_researcher_revoked_on_orcid_works(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record, revoked=True)
    orcid_simulator.researcher_revoke(record["orcid"])
    services.connection_disconnect(connection=connection, remove_items=False)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.DISCONNECTED
    assert connection.access_token_encrypted == ""


def test_the_token_api_refreshes_an_expiring_token_before_handing_it_out(orcid_simulator):
    from rest_framework.test import APIClient

    from tests.fixtures.connections import api_key_for

    record = orcid_simulator.create_record(name="Ada Lovelace")
    _connection_for(record, user=UserFactory(username="ada"), expires_at=timezone.now() + dt.timedelta(minutes=2))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(scopes=['tokens:read'])}")
    token = client.get("/api/v1/researchers/ada/orcid").json()["access_token"]
    assert token and token != record["access_token"]
    assert OrcidClient().works_read(orcid=record["orcid"], access_token=token) == []


def test_an_expired_token_without_a_refresh_token_turns_the_connection_expired():
    connection = OrcidConnectionFactory(refresh_token_plain="", expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(TokenRevoked):
        services.connection_access_token(connection=connection)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.EXPIRED
    assert connection.needs_reconnect


def test_disconnecting_with_removal_deletes_the_items_the_sync_wrote(orcid_simulator):
    from putcodes.services import researcher_sync
    from tests.fixtures.works import WorkFactory

    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    WorkFactory(researcher=connection.user, eligible=True)
    researcher_sync(researcher=connection.user)
    items = orcid_simulator.record(record["orcid"])["items"]
    assert len(items) == 1
    result = services.connection_disconnect(connection=connection, remove_items=True)
    assert result.items_removed == 1
    assert orcid_simulator.record(record["orcid"])["items"] == []
    assert _token_statuses(orcid_simulator, record["orcid"]) == ["revoked_by_client"]


def test_a_researcher_can_disconnect_even_when_orcid_refuses_to_delete(orcid_simulator, monkeypatch):
    import putcodes.services

    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)

    def refused(*, researcher):
        raise TokenRevoked(401, None, "Invalid access token", oauth_error="invalid_token")

    monkeypatch.setattr(putcodes.services, "researcher_withdraw_items", refused)
    result = services.connection_disconnect(connection=connection, remove_items=True)
    assert result.items_left_on_orcid
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.DISCONNECTED
