"""Token errors that are not revocations (issue 12), against the simulator: a token ORCID
reports expired is refreshed and the call sent again; ORCID's token endpoint failing
(`server_error`, 5xx) never marks a connection revoked; only `invalid_grant` does."""

from __future__ import annotations

import pytest

from connections import services
from connections.models import OrcidConnection
from orcid_client.client import OrcidClient
from orcid_client.errors import TokenRevoked, Unavailable
from tests.fixtures.connections import OrcidConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quick_client(settings):
    # Backoff is real sleeping inside the client: keep it short; the retries themselves stay.
    settings.ORCID_MAX_RETRIES = 2
    settings.ORCID_BACKOFF_BASE = 0.01


def _connection_for(record: dict, **kwargs) -> OrcidConnection:
    return OrcidConnectionFactory(
        orcid=record["orcid"], access_token_plain=record["access_token"],
        refresh_token_plain=record["refresh_token"], **kwargs,
    )


def _read_works(orcid: str):
    client = OrcidClient()
    return lambda token: client.works_read(orcid=orcid, access_token=token)


def _token_faults(simulator, *, count: int, status: int = 401) -> None:
    """ORCID's token endpoint failing the next `count` calls: 401 {"error": "server_error"}
    (the simulator's control interface, PUT /_simulator/token-faults)."""
    import requests

    answer = requests.put(f"{simulator.url}/_simulator/token-faults", json={"count": count, "status": status},
                          timeout=10)
    assert answer.status_code in (200, 201, 204), answer.text


def test_a_token_orcid_reports_expired_early_is_refreshed_and_the_call_goes_on(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)  # the portal expects the token to last 20 years
    orcid_simulator.expire_token(record["access_token"])
    assert services.connection_call(connection=connection, call=_read_works(record["orcid"])) == []
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    assert connection.access_token != record["access_token"]
    assert connection.events.filter(kind="refreshed").count() == 1
    # The new token is what later calls use, without another refresh.
    orcid_simulator.clear_calls()
    services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    assert [c["path"] for c in orcid_simulator.calls()] == [f"/v3.0/{record['orcid']}/works"]


def test_a_token_the_researcher_revoked_marks_the_connection_revoked_after_one_refresh(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    orcid_simulator.researcher_revoke(record["orcid"])
    services._public_tokens.clear()  # the simulator was reset: a client token kept from before is void
    orcid_simulator.clear_calls()
    with pytest.raises(TokenRevoked):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.REVOKED
    assert connection.revoked_by == OrcidConnection.RevokedBy.RESEARCHER
    paths = [c["path"] for c in orcid_simulator.calls()]
    # The call, one refresh (refused), then ORCID's public view of the record (one read with a
    # /read-public client token, asked for when the process has none): the record is fine, so
    # it was the researcher who revoked.
    assert paths == [f"/v3.0/{record['orcid']}/works", "/oauth/token", "/oauth/token",
                     f"/v3.0/{record['orcid']}/record"]


def test_a_5xx_from_the_token_endpoint_during_a_refresh_leaves_the_connection_active(orcid_simulator, quick_client):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    orcid_simulator.expire_token(record["access_token"])
    orcid_simulator.set_faults(error_rate=1.0, paths=["/oauth/token"])
    with pytest.raises(Unavailable):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    orcid_simulator.clear_faults()
    # The next run: the refresh works and so does the call.
    assert services.connection_call(connection=connection, call=_read_works(record["orcid"])) == []
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE


def test_server_error_from_the_token_endpoint_is_retried_and_never_a_revocation(orcid_simulator, quick_client):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    orcid_simulator.expire_token(record["access_token"])
    _token_faults(orcid_simulator, count=1, status=401)
    # One 401 {"error": "server_error"}, then the retry succeeds within the same call.
    assert services.connection_call(connection=connection, call=_read_works(record["orcid"])) == []
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE


def test_server_error_past_the_retries_leaves_the_connection_active_and_the_next_run_succeeds(
    orcid_simulator, quick_client, settings
):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    orcid_simulator.expire_token(record["access_token"])
    from orcid_client.client import default_client

    # The process's shared client (connections.services uses it) may predate this test's settings.
    _token_faults(orcid_simulator, count=default_client().max_retries + 1, status=401)
    with pytest.raises(Unavailable):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    assert not connection.events.filter(kind="revoked").exists()
    assert services.connection_call(connection=connection, call=_read_works(record["orcid"])) == []


def _record_state(simulator, orcid: str, state: str, primary: str | None = None) -> None:
    """PUT /_simulator/records/{orcid}/state (CONTRACT §6)."""
    import requests

    answer = requests.put(f"{simulator.url}/_simulator/records/{orcid}/state",
                          json={"state": state, **({"primary": primary} if primary else {})}, timeout=10)
    assert answer.status_code in (200, 201, 204), answer.text


def test_a_deactivated_record_is_its_state_not_a_revocation(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    _record_state(orcid_simulator, record["orcid"], "deactivated")
    from orcid_client.errors import RecordDeactivated

    # ORCID disables the record's tokens: the portal's token and its refresh are refused, and
    # ORCID's public answer for the record says why.
    with pytest.raises(RecordDeactivated):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.DEACTIVATED
    assert not connection.events.filter(kind="revoked").exists()


def test_a_locked_record_turns_the_connection_locked_and_back_when_unlocked(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    _record_state(orcid_simulator, record["orcid"], "locked")
    from orcid_client.errors import RecordLocked

    with pytest.raises(RecordLocked):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.LOCKED
    _record_state(orcid_simulator, record["orcid"], "active")
    assert services.connection_call(connection=connection, call=_read_works(record["orcid"])) == []
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    assert list(connection.events.order_by("id").values_list("kind", flat=True)) == ["record_locked", "record_usable"]


def test_a_deprecated_record_names_its_primary_on_the_connection(orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    primary = orcid_simulator.create_record(name="Ada Lovelace")
    connection = _connection_for(record)
    _record_state(orcid_simulator, record["orcid"], "deprecated", primary["orcid"])
    from orcid_client.errors import RecordDeprecated

    orcid_simulator.clear_calls()
    with pytest.raises(RecordDeprecated):
        services.connection_call(connection=connection, call=_read_works(record["orcid"]))
    assert len(orcid_simulator.calls()) == 1  # the 301 is not followed
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.DEPRECATED
    assert connection.primary_orcid == primary["orcid"]
