"""The central token store: storing, refusing, marking, rotating (no ORCID calls here;
refresh, revoke and disconnect against the simulator are in test_lifecycle.py)."""

import logging
import sqlite3
import uuid

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from connections import services
from connections.models import ConnectionEvent, OrcidConnection
from orcid_client.errors import TokenRevoked
from tests.fixtures.connections import OrcidConnectionFactory, orcid_id
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db

SCOPES = ["/authenticate", "/activities/update", "/read-limited"]


def _connect(user, orcid, **overrides):
    values = dict(
        user=user, orcid=orcid, name="Ada Lovelace", access_token=str(uuid.uuid4()),
        refresh_token=str(uuid.uuid4()), expires_at=None, scopes=SCOPES,
    )
    values.update(overrides)
    return services.connection_connect(**values)


def test_connecting_stores_the_tokens_encrypted_and_links_allauths_account():
    user = UserFactory(username="ada")
    access, refresh = str(uuid.uuid4()), str(uuid.uuid4())
    connection = _connect(user, "0000-0002-1825-0097", access_token=access, refresh_token=refresh)
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.ACTIVE
    assert connection.access_token == access and connection.refresh_token == refresh
    assert access not in connection.access_token_encrypted
    assert SocialAccount.objects.get(provider="orcid", uid="0000-0002-1825-0097").user == user
    assert not SocialToken.objects.exists()
    assert list(connection.events.values_list("kind", flat=True)) == [ConnectionEvent.Kind.CONNECTED]


def test_an_id_already_linked_to_another_institutional_id_is_refused():
    _connect(UserFactory(username="ada"), "0000-0002-1825-0097")
    with pytest.raises(services.OrcidIdLinkedElsewhere):
        _connect(UserFactory(username="mallory"), "0000-0002-1825-0097")
    assert not OrcidConnection.objects.filter(user__username="mallory").exists()


def test_an_id_revoked_on_orcid_still_belongs_to_its_researcher():
    connection = OrcidConnectionFactory(revoked=True)
    with pytest.raises(services.OrcidIdLinkedElsewhere):
        _connect(UserFactory(), connection.orcid)


def test_an_id_whose_researcher_disconnected_can_be_linked_by_someone_else():
    connection = OrcidConnectionFactory(status=OrcidConnection.Status.DISCONNECTED)
    other = _connect(UserFactory(), connection.orcid)
    assert other.is_active


def test_a_grant_without_the_write_scope_is_refused():
    user = UserFactory()
    with pytest.raises(services.InsufficientScopes):
        _connect(user, orcid_id(), scopes=["/authenticate", "/read-limited"])
    assert not OrcidConnection.objects.filter(user=user).exists()


def test_reconnecting_replaces_the_tokens_and_keeps_the_history():
    user = UserFactory()
    first = _connect(user, orcid_id())
    services.connection_mark_revoked(connection=first, reason="invalid_token")
    new_access = str(uuid.uuid4())
    again = _connect(user, first.orcid, access_token=new_access)
    assert again.pk == first.pk
    assert again.status == OrcidConnection.Status.ACTIVE and again.revoked_by == ""
    assert again.access_token == new_access
    kinds = list(again.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["connected", "revoked", "reconnected"]


def test_marking_revoked_keeps_the_token_for_deleting_the_institutions_items():
    connection = OrcidConnectionFactory()
    token = connection.access_token
    services.connection_mark_revoked(connection=connection, reason="ORCID answered invalid_token")
    connection.refresh_from_db()
    assert connection.status == OrcidConnection.Status.REVOKED
    assert connection.revoked_by == OrcidConnection.RevokedBy.RESEARCHER
    assert connection.needs_reconnect
    with pytest.raises(TokenRevoked):
        services.connection_access_token(connection=connection)
    assert services.connection_access_token(connection=connection, for_delete=True) == token


def test_a_disconnected_connection_gives_no_token_even_for_deleting():
    connection = OrcidConnectionFactory(
        status=OrcidConnection.Status.DISCONNECTED, revoked_by=OrcidConnection.RevokedBy.PORTAL,
        access_token_encrypted="", refresh_token_encrypted="",
    )
    with pytest.raises(TokenRevoked):
        services.connection_access_token(connection=connection, for_delete=True)


def test_a_fresh_token_is_returned_without_asking_orcid():
    connection = OrcidConnectionFactory()
    assert services.connection_access_token(connection=connection) == connection.access_token


@pytest.mark.django_db(transaction=True)
def test_tokens_are_not_in_the_database_in_plaintext(tmp_path):
    access, refresh = str(uuid.uuid4()), str(uuid.uuid4())
    _connect(UserFactory(), orcid_id(), access_token=access, refresh_token=refresh)
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM connections_orcidconnection")
        rows = cursor.fetchall()
        cursor.execute("SELECT * FROM socialaccount_socialaccount")
        rows += cursor.fetchall()
    raw = repr(rows)
    assert access not in raw and refresh not in raw
    if db.vendor == "sqlite":
        # The bytes of the database file, as a copy of the test database written to disk.
        path = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(path)
        db.connection.backup(target)
        target.close()
        data = path.read_bytes()
        assert access.encode() not in data and refresh.encode() not in data
        assert b"0000-" in data or b"9000-" in data  # the file does hold the connection


def test_connecting_logs_no_token(caplog):
    access, refresh = str(uuid.uuid4()), str(uuid.uuid4())
    with caplog.at_level(logging.DEBUG):
        connection = _connect(UserFactory(), orcid_id(), access_token=access, refresh_token=refresh)
        services.connection_mark_revoked(connection=connection, reason="invalid_token")
    assert caplog.records  # something was logged, and none of it is a token
    assert access not in caplog.text and refresh not in caplog.text


def test_rotating_keys_keeps_every_connection_readable(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    connections = [OrcidConnectionFactory() for _ in range(3)]
    revoked = OrcidConnectionFactory(revoked=True)
    tokens = {c.pk: (c.access_token, c.refresh_token) for c in connections + [revoked]}

    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_token_keys")

    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key is gone now
    for connection in OrcidConnection.objects.all():
        assert (connection.access_token, connection.refresh_token) == tokens[connection.pk]


def test_rotating_with_a_missing_old_key_fails_loudly_and_loses_nothing(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    connection = OrcidConnectionFactory()
    token = connection.access_token
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Keep every old key"):
        call_command("rotate_token_keys")
    settings.TOKEN_ENCRYPTION_KEYS = [old_key]
    connection.refresh_from_db()
    assert connection.access_token == token
