"""ORCID's webhooks: a /webhook client-credentials token registers a callback per record; any change
to the record (by anyone) makes ORCID POST an empty body to it."""

from __future__ import annotations

import threading
import time
import urllib.parse

import pytest
import requests
from django.conf import settings as django_settings
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .conftest import Api, work_json


class Receiver:
    def __init__(self) -> None:
        self.hits: list[tuple[str, bytes]] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def app(self, environ, start_response):
        request = Request(environ)
        self.hits.append((request.method + " " + request.path, request.get_data()))
        return Response(b"", 204)(environ, start_response)

    def wait_for(self, count: int, timeout: float = 120.0) -> list:
        # A generous deadline for a busy machine; a passing test returns as soon as the hits are in.
        deadline = time.monotonic() + timeout
        while len(self.hits) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.hits


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.server.shutdown()


@pytest.fixture
def webhook_token(orcid_simulator) -> str:
    response = requests.post(f"{orcid_simulator.url}/oauth/token", data={
        "grant_type": "client_credentials", "scope": "/webhook"},
        auth=(django_settings.ORCID_DEMO_CLIENT_ID, django_settings.ORCID_DEMO_CLIENT_SECRET), timeout=10)
    return response.json()["access_token"]


def register(url: str, orcid: str, callback: str, token: str, method: str = "PUT") -> requests.Response:
    encoded = urllib.parse.quote(callback, safe="")
    return requests.request(method, f"{url}/{orcid}/webhook/{encoded}",
                            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=10)


def test_registering_is_201_then_204_and_delete_removes_it(orcid_simulator, api: Api, webhook_token, receiver):
    callback = f"{receiver.url}/orcid/changed/{api.orcid}"
    assert register(orcid_simulator.url, api.orcid, callback, webhook_token).status_code == 201
    assert register(orcid_simulator.url, api.orcid, callback, webhook_token).status_code == 204
    assert [h["url"] for h in orcid_simulator.record(api.orcid)["webhooks"]] == [callback]
    assert register(orcid_simulator.url, api.orcid, callback, webhook_token, "DELETE").status_code == 204
    assert orcid_simulator.record(api.orcid)["webhooks"] == []
    gone = register(orcid_simulator.url, api.orcid, callback, webhook_token, "DELETE")
    # WebhooksServiceDelegatorImpl: OrcidWebhookNotFoundException, 404 9028.
    assert gone.status_code == 404 and gone.json()["error-code"] == 9028
    assert gone.json()["developer-message"] == f"No webhook found for orcid={api.orcid}, and uri={callback}."


def test_a_member_token_without_the_webhook_scope_cannot_register(orcid_simulator, api: Api, record, receiver):
    response = register(orcid_simulator.url, api.orcid, receiver.url, record["access_token"])
    assert response.status_code == 403


def test_every_change_to_the_record_posts_an_empty_body_to_the_callback(orcid_simulator, api: Api, webhook_token,
                                                                        receiver):
    callback = f"{receiver.url}/orcid/changed"
    register(orcid_simulator.url, api.orcid, callback, webhook_token)
    put_code = api.put_code_of(api.post_work(work_json()))          # the portal's own write
    assert receiver.wait_for(1) == [("POST /orcid/changed", b"")]
    orcid_simulator.researcher_set_visibility(api.orcid, put_code, "limited")
    orcid_simulator.researcher_delete(api.orcid, put_code)
    orcid_simulator.add_item(api.orcid, kind="work", body=work_json("10.5555/crossref"))
    assert len(receiver.wait_for(4)) == 4


def test_a_slow_callback_does_not_slow_the_api(orcid_simulator, api: Api, webhook_token):
    """The API answers while the callback is still waiting for its answer: a callback address
    that takes the connection and never answers until the test lets it go. (No time bound: a
    synchronous sender could not return before the hold is released or its own timeout.)"""
    import socket

    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen(1)
    register(orcid_simulator.url, api.orcid, f"http://127.0.0.1:{held.getsockname()[1]}/never", webhook_token)
    try:
        api.put_code_of(api.post_work(work_json()))
        held.settimeout(120)
        connection, _ = held.accept()  # the callback came (after the API answered, or while it did)
        connection.settimeout(1.0)
        still_open = False
        try:
            while connection.recv(65536):  # the request; then EOF if the sender already gave up
                pass
        except TimeoutError:
            still_open = True  # no EOF: the sender is still waiting for our answer
        finally:
            connection.close()
        assert still_open, "the sender had already given up: the API waited for the callback"
    finally:
        held.close()
