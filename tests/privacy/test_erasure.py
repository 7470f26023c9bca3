"""The researcher's data rights (CONTRACT §3 export_researcher, erase_researcher), over HTTP
against the simulator: an erased researcher's token is revoked at ORCID, their items withdrawn
when asked, and neither their token nor institutional ID nor email is left in any table but
the anonymised erasure event (checked by scanning every table's text columns)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db
from django.utils import timezone

from orcid_client.client import OrcidClient
from orcid_client.errors import TokenRevoked
from privacy.models import ErasureEvent
from privacy.retention import audit_events_purge
from tests.fixtures.connections import api_key_for
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UnitFactory
from unit_events.models import EventDelivery, UnitEndpoint
from units.models import ApiAuditEvent

IID = "zqerase7731"
EMAIL = "zq.erase.7731@example.edu"
TEXT_TYPES = ("char", "text", "json", "clob", "varchar")


@pytest.fixture
def person(sync_env, settings):
    """A connected researcher with two works on ORCID, an employment, an email sent, API audit
    events about them and a unit event delivery naming them."""
    library = UnitFactory(code="library")
    UnitEndpoint.objects.create(unit=library, url="https://library.example.edu/hook", active=False)
    researcher, connection = sync_env.researcher(username=IID, works=2, unit=library)
    researcher.email = EMAIL
    researcher.save(update_fields=["email"])
    EmploymentFactory(researcher=researcher, department="Chemistry")
    sync_env.sync()
    from notifications.models import Notification

    Notification.objects.create(user=researcher, event_key=f"test:{IID}", kind="items_first_written",
                                to_address=EMAIL, subject="Your works are on ORCID")
    ApiAuditEvent.objects.create(method="GET", path=f"/api/v1/researchers/{IID}/works", institutional_id=IID,
                                 status_code=200)
    endpoint = UnitEndpoint.objects.create(unit=library, url="https://library.example.edu/other", active=False)
    EventDelivery.objects.create(endpoint=endpoint, event_type="researcher.connected", subject=IID,
                                 payload={"data": {"institutional_id": IID}}, state="delivered")
    tokens = (connection.access_token, connection.refresh_token)
    return researcher, connection, tokens


def _text_columns():
    with db.cursor() as cursor:
        for table in db.introspection.table_names(cursor):
            for column in db.introspection.get_table_description(cursor, table):
                kind = db.introspection.get_field_type(column.type_code, column) or ""
                if any(t in kind.lower() for t in TEXT_TYPES):
                    yield table, column.name


def _tables_mentioning(needles: list[str]) -> set[str]:
    found = set()
    with db.cursor() as cursor:
        for table, column in _text_columns():
            qn = db.ops.quote_name
            cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE {qn(column)} IS NOT NULL")
            for (value,) in cursor.fetchall():
                text = str(value).lower()
                if any(needle.lower() in text for needle in needles):
                    found.add(f"{table}.{column}")
    return found


def _still_works(sync_env, orcid: str, token: str) -> bool:
    client = OrcidClient(base_url=sync_env.url, api_url=sync_env.url)
    try:
        client.works_read(orcid=orcid, access_token=token)
    except TokenRevoked:
        return False
    return True


def test_erasure_withdraws_revokes_and_leaves_nothing_that_names_them(sync_env, person):
    researcher, connection, tokens = person
    orcid = connection.orcid
    assert len([i for i in sync_env.orcid_works(orcid)]) == 2
    assert _tables_mentioning([IID, EMAIL]), "the scan sees the person before the erasure"
    call_command("erase_researcher", IID, "--withdraw-items", "--yes")
    assert sync_env.orcid_works(orcid) == []
    assert not _still_works(sync_env, orcid, tokens[0])
    leftovers = _tables_mentioning([IID, EMAIL, *tokens]) - {"privacy_erasureevent.rows_deleted"}
    assert leftovers == set()
    event = ErasureEvent.objects.get()
    assert event.items_withdrawn == 3 and event.token_revoked  # two works and the employment
    assert IID not in json.dumps(event.rows_deleted) and event.rows_deleted


def test_erasure_without_withdrawal_leaves_the_items_on_orcid(sync_env, person):
    researcher, connection, tokens = person
    call_command("erase_researcher", IID, "--yes")
    assert len(sync_env.orcid_works(connection.orcid)) == 2
    assert not _still_works(sync_env, connection.orcid, tokens[0])
    assert ErasureEvent.objects.get().items_withdrawn is None


def test_erasure_asks_for_confirmation(sync_env, person, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError):
        call_command("erase_researcher", IID)
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username=IID).exists()
    assert not ErasureEvent.objects.exists()


def test_export_holds_everything_but_tokens(sync_env, person, capsys):
    researcher, connection, tokens = person
    call_command("export_researcher", IID)
    text = capsys.readouterr().out
    data = json.loads(text)
    assert data["account"]["email"] == EMAIL
    assert data["connection"]["orcid"] == connection.orcid
    assert len(data["works"]) == 2 and len(data["employments"]) == 1
    assert sorted(row["put_code"] is not None for row in data["ledger"] if row["kind"] == "work") == [True, True]
    assert data["emails_sent"][0]["to_address"] == EMAIL
    assert data["audit_events"][0]["institutional_id"] == IID
    assert "connection_history" in data and "invitations" in data
    assert not any(token in text for token in tokens)
    assert "encrypted" not in text


@pytest.mark.django_db(transaction=True)
def test_the_researcher_downloads_their_own_export(sync_env, person, client):
    researcher, connection, tokens = person
    client.force_login(researcher)
    dashboard = client.get("/")
    assert b"/privacy/my-data.json" in dashboard.content
    answer = client.get("/privacy/my-data.json")
    assert answer.status_code == 200 and answer["Content-Disposition"].startswith("attachment")
    data = json.loads(answer.content)
    assert data["institutional_id"] == IID and len(data["works"]) == 2
    assert not any(token in answer.content.decode() for token in tokens)


def test_the_connect_page_links_the_privacy_notice(client, db, settings):
    from tests.fixtures.works import UserFactory

    client.force_login(UserFactory())
    page = client.get("/orcid/connect/")
    assert b'href="/privacy/"' in page.content
    notice = client.get("/privacy/")
    assert notice.status_code == 200
    assert b"tokens:read" in notice.content and str(settings.AUDIT_RETENTION_DAYS).encode() in notice.content


def test_old_audit_events_are_purged(db, settings):
    settings.AUDIT_RETENTION_DAYS = 30
    api_key_for(scopes=["works:curate"])
    old = ApiAuditEvent.objects.create(method="GET", path="/api/v1/x", status_code=200)
    ApiAuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=31))
    recent = ApiAuditEvent.objects.create(method="GET", path="/api/v1/y", status_code=200)
    assert audit_events_purge() == 1
    assert list(ApiAuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def test_the_purge_is_a_scheduled_entry(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="privacy.audit_events_purge").exists()
    assert PeriodicTask.objects.filter(task="unit_events.deliveries_due").exists()


def test_an_invited_person_who_never_signed_in_is_exported_and_erased(db, tmp_path, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INVITATION_SEND_RATE = 0
    UnitFactory(code="library")
    people = tmp_path / "people.csv"
    people.write_text(f"institutional_id,email,given_names,family_names\n{IID},{EMAIL},Zed,Quux\n", encoding="utf-8")
    call_command("invite_researchers", str(people), "--unit", "library", "--no-progress")
    assert _tables_mentioning([IID, EMAIL])
    capsys.readouterr()
    call_command("export_researcher", IID)
    exported = json.loads(capsys.readouterr().out)
    assert exported["account"] is None and exported["invitations"][0]["email"] == EMAIL
    call_command("erase_researcher", IID, "--yes")
    assert _tables_mentioning([IID, EMAIL]) - {"privacy_erasureevent.rows_deleted"} == set()
    assert ErasureEvent.objects.get().rows_deleted
