"""The connection's record states (issue 12): locked, deactivated, deprecated, and back to
active. The state machine is one table (connections.record_states); every row is tested."""

from __future__ import annotations

import pytest

from connections import record_states, services
from connections.models import ConnectionEvent, OrcidConnection
from orcid_client import errors
from tests.fixtures.connections import OrcidConnectionFactory

S = OrcidConnection.Status
PRIMARY = "0000-0001-5109-3700"

ALL_EVENTS = record_states.EVENTS
EXPECTED = {
    # status: {event: the status that follows (None: unchanged)}
    S.ACTIVE: {"locked": S.LOCKED, "not_claimed": S.LOCKED, "deactivated": S.DEACTIVATED,
               "deprecated": S.DEPRECATED, "usable": None},
    S.LOCKED: {"locked": None, "not_claimed": None, "deactivated": S.DEACTIVATED, "deprecated": S.DEPRECATED,
               "usable": S.ACTIVE},
    S.DEACTIVATED: {"locked": S.LOCKED, "not_claimed": S.LOCKED, "deactivated": None, "deprecated": S.DEPRECATED,
                    "usable": S.ACTIVE},
    S.DEPRECATED: {"locked": S.LOCKED, "not_claimed": S.LOCKED, "deactivated": S.DEACTIVATED,
                   "deprecated": S.DEPRECATED, "usable": S.ACTIVE},
    S.REVOKED: dict.fromkeys(ALL_EVENTS),
    S.EXPIRED: dict.fromkeys(ALL_EVENTS),
    S.DISCONNECTED: dict.fromkeys(ALL_EVENTS),
}
ROWS = [(status, event, following) for status, row in EXPECTED.items() for event, following in row.items()]


def test_the_table_covers_every_status():
    assert set(EXPECTED) == set(S.values)


@pytest.mark.parametrize("status, event, following", ROWS)
def test_record_status_after(status, event, following):
    assert record_states.record_status_after(status, event) == following


_TRANSITIONS = {
    "locked": lambda c: services.connection_mark_locked(connection=c),
    "not_claimed": lambda c: services.connection_mark_locked(connection=c, not_claimed=True),
    "deactivated": lambda c: services.connection_mark_deactivated(connection=c),
    "deprecated": lambda c: services.connection_mark_deprecated(connection=c, primary_orcid=PRIMARY),
    "usable": lambda c: services.connection_mark_usable(connection=c),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status, event, following", ROWS)
def test_each_named_transition_does_what_the_table_says(status, event, following):
    connection = OrcidConnectionFactory(status=status, primary_orcid=PRIMARY if status == S.DEPRECATED else "")
    changed = _TRANSITIONS[event](connection)
    stored = OrcidConnection.objects.get(pk=connection.pk)
    if following is None or (following == status == S.DEPRECATED):
        assert changed is False
        assert stored.status == status
        assert not stored.events.exists()
        return
    assert changed is True
    assert stored.status == following == connection.status
    assert stored.primary_orcid == (PRIMARY if following == S.DEPRECATED else "")
    assert (stored.record_state_at is None) == (following == S.ACTIVE)
    assert stored.events.get().kind == {
        "locked": ConnectionEvent.Kind.RECORD_LOCKED, "not_claimed": ConnectionEvent.Kind.RECORD_LOCKED,
        "deactivated": ConnectionEvent.Kind.RECORD_DEACTIVATED, "deprecated": ConnectionEvent.Kind.RECORD_DEPRECATED,
        "usable": ConnectionEvent.Kind.RECORD_USABLE,
    }[event]


@pytest.mark.django_db
def test_a_deprecated_record_merged_again_takes_the_new_primary():
    connection = OrcidConnectionFactory(status=S.DEPRECATED, primary_orcid=PRIMARY)
    assert services.connection_mark_deprecated(connection=connection, primary_orcid="0000-0002-1825-0097") is True
    assert OrcidConnection.objects.get(pk=connection.pk).primary_orcid == "0000-0002-1825-0097"


@pytest.mark.django_db
@pytest.mark.parametrize("error, status", [
    (errors.RecordLocked(409, 9018, "locked"), S.LOCKED),
    (errors.RecordNotClaimed(409, 9036, "not claimed"), S.LOCKED),
    (errors.RecordDeactivated(409, 9044, "deactivated"), S.DEACTIVATED),
    (errors.RecordDeprecated(301, 9007, "", location=f"http://orcid.test/v3.0/{PRIMARY}/works"), S.DEPRECATED),
])
def test_what_orcid_said_about_the_record_sets_the_connections_state(error, status):
    connection = OrcidConnectionFactory()
    services.connection_record_refused(connection=connection, error=error)
    connection.refresh_from_db()
    assert connection.status == status
    assert connection.primary_orcid == (PRIMARY if status == S.DEPRECATED else "")


@pytest.mark.django_db
@pytest.mark.parametrize("status", [S.LOCKED, S.DEACTIVATED, S.DEPRECATED])
def test_a_record_waiting_still_holds_its_id_and_its_token(status):
    from tests.fixtures.works import UserFactory

    connection = OrcidConnectionFactory(status=status)
    assert services.connection_access_token(connection=connection) == connection.access_token
    with pytest.raises(services.OrcidIdLinkedElsewhere):
        services.connection_connect(user=UserFactory(), orcid=connection.orcid, name="", access_token="a",
                                    refresh_token="r", expires_at=None, scopes=["/activities/update"])


@pytest.mark.django_db
def test_reconnecting_with_the_primary_id_clears_the_deprecation():
    connection = OrcidConnectionFactory(status=S.DEPRECATED, primary_orcid=PRIMARY)
    renewed = services.connection_connect(user=connection.user, orcid=PRIMARY, name="", access_token="a",
                                          refresh_token="r", expires_at=None, scopes=["/activities/update"])
    assert renewed.status == S.ACTIVE and renewed.orcid == PRIMARY and renewed.primary_orcid == ""
