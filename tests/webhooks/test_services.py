"""webhooks/services.py over real HTTP: the simulator holds the portal's callbacks and calls
them when a record changes; the portal (pytest-django's live_server) reconciles."""

from __future__ import annotations

import time

import pytest

from connections.models import OrcidConnection
from connections.services import connection_connect, connection_disconnect
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UserFactory, WorkFactory
from webhooks.models import WebhookSubscription
from webhooks.services import webhook_register, webhook_unregister


def wait_for(condition, *, timeout: float = 120.0):
    # A generous deadline: a busy two-core machine may take long; a passing test never waits it out.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def webhooks_of(orcid_simulator, orcid: str) -> list[str]:
    return [hook["url"] for hook in orcid_simulator.record(orcid)["webhooks"]]


@pytest.mark.django_db
def test_connecting_registers_a_callback_and_disconnecting_removes_it(
    orcid_simulator, webhooks_on, settings, django_capture_on_commit_callbacks
):
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    settings.PORTAL_BASE_URL = "https://orcid.example.edu"
    record = orcid_simulator.create_record(name="Ada Lovelace")
    ada = UserFactory(username="ada")

    with django_capture_on_commit_callbacks(execute=True):
        connection = connection_connect(
            user=ada, orcid=record["orcid"], name="Ada Lovelace", access_token=record["access_token"],
            refresh_token=record.get("refresh_token", ""), expires_at=None,
            scopes=["/authenticate", "/activities/update", "/read-limited"],
        )

    (url,) = webhooks_of(orcid_simulator, record["orcid"])
    assert url.startswith(f"https://orcid.example.edu/webhooks/orcid/{record['orcid']}/")
    assert WebhookSubscription.objects.get(orcid=record["orcid"]).state == "registered"

    with django_capture_on_commit_callbacks(execute=True):
        connection_disconnect(connection=connection, remove_items=False)

    assert webhooks_of(orcid_simulator, record["orcid"]) == []
    assert WebhookSubscription.objects.get(orcid=record["orcid"]).state == "unregistered"


@pytest.mark.django_db
def test_registering_twice_keeps_one_callback_and_reconnecting_after_a_disconnect_makes_a_new_url(
    orcid_simulator, webhooks_on, settings
):
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = OrcidConnectionFactory(orcid=record["orcid"], access_token_plain=record["access_token"])
    webhook_register(connection=connection)
    webhook_register(connection=connection)
    (first,) = webhooks_of(orcid_simulator, record["orcid"])

    webhook_unregister(orcid=record["orcid"])
    webhook_register(connection=connection)
    (second,) = webhooks_of(orcid_simulator, record["orcid"])
    assert second != first


@pytest.mark.django_db
def test_webhooks_disabled_registers_nothing(orcid_simulator, settings):
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = OrcidConnectionFactory(orcid=record["orcid"], access_token_plain=record["access_token"])
    assert webhook_register(connection=connection) is None
    assert webhooks_of(orcid_simulator, record["orcid"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_work_the_researcher_deletes_on_orcid_is_marked_through_the_webhook_and_not_recreated(
    orcid_simulator, live_server, webhooks_on, settings
):
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    settings.PORTAL_BASE_URL = live_server.url
    settings.ORCID_WEBHOOK_DEBOUNCE_SECONDS = 1
    record = orcid_simulator.create_record(name="Ada Lovelace")
    orcid = record["orcid"]
    ada = UserFactory(username="ada")
    connection = OrcidConnectionFactory(user=ada, orcid=orcid, access_token_plain=record["access_token"])
    webhook_register(connection=connection)
    work = WorkFactory(researcher=ada, eligible=True)
    researcher_sync(researcher=ada)
    item = OrcidItem.objects.get(work=work)
    assert item.state == "on_orcid"
    # ORCID calls back after the portal's own write too: that reconcile reads the record
    # (and learns the item's visibility) and opens the debounce window.
    wait_for(lambda: OrcidItem.objects.get(pk=item.pk).visibility == "public")

    # The researcher deletes it on ORCID inside that window: the callback is not dropped, a
    # trailing reconcile runs when the window ends.
    orcid_simulator.researcher_delete(orcid, item.put_code)

    wait_for(lambda: OrcidItem.objects.get(pk=item.pk).state == "deleted_on_orcid")
    subscription = WebhookSubscription.objects.get(orcid=orcid)
    assert subscription.callbacks >= 1
    counts = researcher_sync(researcher=ada)
    assert counts.created == 0
    assert [i for i in orcid_simulator.record(orcid)["items"] if i["kind"] == "work"] == []
    assert OrcidConnection.objects.get(pk=connection.pk).status == "active"
    # No callback may reach the live server after the test (and its database) is gone.
    webhook_unregister(orcid=orcid)
    settled(orcid_simulator)


def settled(orcid_simulator, *, quiet: float = 0.5, timeout: float = 10.0) -> None:
    """Wait until the simulator has sent every callback it queued."""
    deadline = time.monotonic() + timeout
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(orcid_simulator.webhooks_sent())
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.05)


@pytest.mark.django_db
def test_the_periodic_reconcile_registers_missing_webhooks_and_reads_records_with_items(
    orcid_simulator, webhooks_on, settings
):
    from webhooks.tasks import researchers_reconcile_all_task

    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    settings.ORCID_RECONCILE_SLICES = 1  # the whole cycle in this one run (it is spread over 24 by default)
    record = orcid_simulator.create_record(name="Ada Lovelace")
    ada = UserFactory(username="ada")
    OrcidConnectionFactory(user=ada, orcid=record["orcid"], access_token_plain=record["access_token"])
    work = WorkFactory(researcher=ada, eligible=True)
    researcher_sync(researcher=ada)
    item = OrcidItem.objects.get(work=work)
    orcid_simulator.researcher_delete(record["orcid"], item.put_code)  # no webhook yet: missed

    assert researchers_reconcile_all_task.apply().get() == 1

    assert len(webhooks_of(orcid_simulator, record["orcid"])) == 1
    item.refresh_from_db()
    assert item.state == "deleted_on_orcid"


@pytest.mark.django_db
def test_a_registration_orcid_refuses_is_recorded_and_retried_later(orcid_simulator, webhooks_on, settings):
    from orcid_client.errors import OrcidError

    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    record = orcid_simulator.create_record(name="Ada Lovelace")
    connection = OrcidConnectionFactory(orcid=record["orcid"], access_token_plain=record["access_token"])
    good_secret = settings.ORCID_CLIENT_SECRET
    settings.ORCID_CLIENT_SECRET = "not-the-secret"

    with pytest.raises(OrcidError):
        webhook_register(connection=connection)

    subscription = WebhookSubscription.objects.get(orcid=record["orcid"])
    assert subscription.state == "failed" and subscription.last_error
    assert "not-the-secret" not in subscription.last_error
    settings.ORCID_CLIENT_SECRET = good_secret
    from webhooks.services import webhooks_register_missing

    assert webhooks_register_missing() == 1
    assert WebhookSubscription.objects.get(orcid=record["orcid"]).state == "registered"
    assert len(webhooks_of(orcid_simulator, record["orcid"])) == 1
