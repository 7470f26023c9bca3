"""Unit events reach the unit's endpoint signed, and are retried after a failure: a tiny
receiver on 127.0.0.1 answers 500 first, then 200; the researcher connects and disconnects
over the simulator, and deletes or hides an item on ORCID, which the reconcile notices."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from connections import services as connection_services
from putcodes.models import OrcidItem
from putcodes.reconcile import researcher_reconcile
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from unit_events.models import EventDelivery, UnitEndpoint
from unit_events.services import deliveries_due_send, endpoint_url_problem
from unit_events.signing import event_signature_valid

pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """An HTTP endpoint in a thread: records each request, answers the next planned status."""

    def __init__(self, statuses=()):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/orcid-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver(settings):
    settings.UNIT_EVENTS_ALLOW_HTTP_LOOPBACK = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    got = Receiver()
    yield got
    got.server.shutdown()


@pytest.fixture
def library_endpoint(receiver):
    library = UnitFactory(code="library")
    return UnitEndpoint.objects.create(unit=library, url=receiver.url)


def _signed(request: dict, secret: str) -> bool:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    return event_signature_valid(secret=secret, timestamp=headers["x-portal-timestamp"], body=request["body"],
                                 signature=headers["x-portal-signature"])


def test_a_connect_reaches_the_units_endpoint_signed(sync_env, receiver, library_endpoint):
    researcher = UserFactory(username="ada")
    WorkFactory(unit=library_endpoint.unit, researcher=researcher)
    record = sync_env.new_record()
    connection_services.connection_connect(
        user=researcher, orcid=record["orcid"], name="Ada", access_token=record["access_token"],
        refresh_token=record["refresh_token"], expires_at=None, scopes=["/activities/update", "/read-limited"],
    )
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert _signed(request, library_endpoint.secret)
    assert not _signed(request, "another secret")
    event = receiver.bodies()[0]
    assert event["type"] == "researcher.connected" and event["unit"] == "library"
    assert event["data"]["institutional_id"] == "ada" and event["data"]["orcid"] == record["orcid"]
    assert EventDelivery.objects.get().state == EventDelivery.State.DELIVERED


def test_an_event_is_retried_after_a_500(sync_env, receiver, library_endpoint):
    receiver.statuses = [500]
    researcher, connection = sync_env.researcher(username="bob")
    WorkFactory(unit=library_endpoint.unit, researcher=researcher)
    connection_services.connection_disconnect(connection=connection, remove_items=False)
    delivery = EventDelivery.objects.get(event_type="researcher.disconnected")
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert deliveries_due_send() == 0  # its backoff is not over yet
    assert deliveries_due_send(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert len(receiver.requests) == 2
    first, second = receiver.bodies()
    assert first["id"] == second["id"]  # the same event, for the receiver to de-duplicate
    assert all(_signed(request, library_endpoint.secret) for request in receiver.requests)


def test_items_deleted_or_hidden_on_orcid_are_told_to_their_unit(sync_env, receiver, library_endpoint):
    researcher, connection = sync_env.researcher(username="cy", works=2, unit=library_endpoint.unit)
    sync_env.sync()
    first, second = OrcidItem.objects.filter(researcher=researcher).order_by("pk")
    researcher_reconcile(researcher=researcher)  # learns the visibility ORCID reports
    receiver.requests.clear()
    sync_env.simulator.researcher_delete(connection.orcid, first.put_code)
    sync_env.simulator.researcher_set_visibility(connection.orcid, second.put_code, "private")
    researcher_reconcile(researcher=researcher)
    events = {event["type"]: event["data"] for event in receiver.bodies()}
    assert events["item.deleted_on_orcid"]["local_id"] == first.local_id
    assert events["item.hidden_on_orcid"]["local_id"] == second.local_id
    assert events["item.hidden_on_orcid"]["visibility"] == "private"


def test_endpoints_must_be_https():
    assert endpoint_url_problem("https://library.example.edu/hook") == ""
    assert endpoint_url_problem("http://library.example.edu/hook")
    assert endpoint_url_problem("http://127.0.0.1:9/hook")  # loopback only when the setting allows it
