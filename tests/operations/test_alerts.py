"""Alerts without Prometheus: ADMINS hear of an incident once, not once per item or per run."""

from __future__ import annotations

import pytest
from django.core import mail

from operations import alerts
from operations.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admins(settings):
    from django.core.cache import cache

    settings.ADMINS = [("On call", "oncall@example.edu")]
    settings.ALERT_FAILED_ITEMS_SHARE = 0.05
    settings.ALERT_FAILED_ITEMS_MIN = 1
    cache.clear()
    yield
    cache.clear()


def _finished_run(**counts):
    from putcodes.models import SyncRun
    from putcodes.services import sync_run_finish, sync_run_start

    failed = counts.pop("_failed", False)
    run = sync_run_start(triggered_by="test", trigger=SyncRun.Trigger.COMMAND)
    SyncRun.objects.filter(pk=run.pk).update(**counts)
    return sync_run_finish(run=run, failed=failed)


@pytest.mark.parametrize(
    "state, event, after",
    [
        (None, "open", "open"),
        ("open", "open", "open"),  # counted, not a second incident
        ("open", "close", "closed"),
        ("closed", "open", "open"),  # a new incident
        (None, "close", None),
    ],
)
def test_incident_transitions(state, event, after):
    kind = Incident.Kind.SYNC_RUN_FAILED
    if state:
        alerts.incident_open(kind=kind, summary="before")
        if state == "closed":
            alerts.incident_close(kind=kind)
    getattr(alerts, f"incident_{event}")(**({"kind": kind, "summary": "now"} if event == "open" else {"kind": kind}))
    latest = Incident.objects.filter(kind=kind).first()
    assert (latest.status if latest else None) == after
    assert Incident.objects.filter(kind=kind, status="open").count() <= 1


def test_a_run_with_failed_items_emails_admins_once_until_a_clean_run_closes_the_incident(
    sync_env, orcid_simulator, settings
):
    settings.ORCID_MAX_RETRIES = 0
    sync_env.researcher(works=4)
    # ORCID refuses every new work (a 400 from its validation would do as well: any failed item).
    orcid_simulator.set_faults(error_rate=1.0, paths=["/work"], methods=["POST"])
    first = sync_env.sync()
    assert first.failed > 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["oncall@example.edu"]
    assert f"Sync run {first.pk}" in message.subject and "failed" in message.subject

    second = sync_env.sync()  # still failing: the same incident, no second email
    assert second.failed > 0
    assert len(mail.outbox) == 1
    incident = Incident.objects.get(kind=Incident.Kind.SYNC_ITEMS_FAILED)
    assert incident.status == "open" and incident.occurrences == 2 and incident.notified_at

    orcid_simulator.clear_faults()
    clean = sync_env.sync()
    assert clean.failed == 0
    incident.refresh_from_db()
    assert incident.status == "closed" and incident.closed_at
    assert len(mail.outbox) == 1


def test_a_run_that_could_not_proceed_opens_an_incident():
    _finished_run(_failed=True)
    _finished_run(_failed=True)
    assert len(mail.outbox) == 1
    assert Incident.objects.get(kind=Incident.Kind.SYNC_RUN_FAILED).status == "open"
    _finished_run(created=2)
    assert Incident.objects.get(kind=Incident.Kind.SYNC_RUN_FAILED).status == "closed"


def test_a_share_of_failures_below_the_threshold_alerts_nobody(settings):
    from django.utils import timezone

    from putcodes.models import SyncRun

    settings.ALERT_FAILED_ITEMS_SHARE = 0.10
    now = timezone.now()
    # (The run's created/updated/deleted are counted from the ledger when it closes: assessed as is.)
    alerts.sync_run_assess(run=SyncRun(pk=1, status="finished", started_at=now, created=95, failed=5, trigger="command"))
    assert mail.outbox == []
    alerts.sync_run_assess(run=SyncRun(pk=2, status="finished", started_at=now, created=85, failed=15, trigger="command"))
    assert len(mail.outbox) == 1


def test_orcid_answering_5xx_for_the_set_period_is_one_incident_closed_by_the_next_success(settings, monkeypatch):
    settings.ALERT_ORCID_OUTAGE_SECONDS = 300
    clock = [1_000_000.0]
    monkeypatch.setattr(alerts.time, "time", lambda: clock[0])
    observer = alerts.ORCID_OUTAGE_OBSERVER
    observer.call("POST", "/v3.0/{orcid}/works", 503, 0.1)
    clock[0] += 120
    observer.call("POST", "/v3.0/{orcid}/works", "ConnectTimeout", 5.0)
    assert mail.outbox == []  # two minutes of errors: not yet
    clock[0] += 200
    for _ in range(20):
        observer.call("PUT", "/v3.0/{orcid}/work/{put-code}", 502, 0.1)
    assert len(mail.outbox) == 1 and "ORCID" in mail.outbox[0].subject
    assert Incident.objects.get(kind=Incident.Kind.ORCID_UNAVAILABLE).status == "open"
    observer.call("GET", "/v3.0/{orcid}/works", 200, 0.1)
    assert Incident.objects.get(kind=Incident.Kind.ORCID_UNAVAILABLE).status == "closed"
    # A short blip afterwards starts counting afresh.
    observer.call("GET", "/v3.0/{orcid}/works", 500, 0.1)
    assert len(mail.outbox) == 1


def test_an_unreachable_mail_server_does_not_break_the_run(settings):
    settings.EMAIL_BACKEND = "tests.operations.test_alerts.BrokenMailBackend"
    _finished_run(_failed=True)
    incident = Incident.objects.get(kind=Incident.Kind.SYNC_RUN_FAILED)
    assert incident.status == "open" and incident.notified_at is None


class BrokenMailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_incidents_are_listed_read_only_for_superusers_in_the_admin(client):
    from tests.fixtures.works import UserFactory

    alerts.incident_open(kind=Incident.Kind.SYNC_RUN_FAILED, summary="Sync run 7 could not proceed")
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get("/admin/operations/incident/")
    assert page.status_code == 200 and "Sync run 7 could not proceed" in page.content.decode()
    assert client.get("/admin/operations/incident/add/").status_code == 403
    staff = UserFactory(username="librarian", is_staff=True)
    client.force_login(staff)
    assert client.get("/admin/operations/incident/").status_code == 403
