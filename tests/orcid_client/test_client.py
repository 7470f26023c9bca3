"""The client's transport behaviour over real HTTP against a scripted server: retries and
backoff, the writes it must not repeat, Retry-After, OAuth form posts, token hygiene.

ORCID's own behaviour (put-codes, duplicates, scopes, revoked tokens) is tested against the
simulator in test_client_simulator.py.
"""

import json
import logging
import socket
import threading
from urllib.parse import parse_qs

import pytest

from orcid_client import errors
from orcid_client.client import OrcidClient
from orcid_client.ratelimit import NoRateLimit
from tests.orcid_client.conftest import Answer

ORCID = "0000-0002-1825-0097"
TOKEN = "5f6e7d8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
WORK_JSON = {
    "title": {"title": {"value": "On the rate of things"}},
    "type": "journal-article",
    "external-ids": {
        "external-id": [
            {"external-id-type": "doi", "external-id-value": "10.1234/rate", "external-id-relationship": "self"}
        ]
    },
}
WORK_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<work:work xmlns:common="http://www.orcid.org/ns/common" xmlns:work="http://www.orcid.org/ns/work">
  <work:title><common:title>On the rate of things</common:title></work:title>
  <work:type>journal-article</work:type>
  <common:external-ids><common:external-id>
    <common:external-id-type>doi</common:external-id-type>
    <common:external-id-value>10.1234/rate</common:external-id-value>
    <common:external-id-relationship>self</common:external-id-relationship>
  </common:external-id></common:external-ids>
</work:work>"""


def created(put_code):
    return Answer(201, headers={"Location": f"http://orcid.test/v3.0/{ORCID}/work/{put_code}"})


def orcid_error(status, code, message):
    return Answer(status, {"response-code": status, "developer-message": message, "error-code": code})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Writes and formats
# ---------------------------------------------------------------------------------------------

def test_create_returns_the_put_code_from_location_and_sends_json(scripted_server, scripted_client):
    scripted_server.answer(created(1234))
    put_code = scripted_client.work_create(orcid=ORCID, access_token=TOKEN, body={**WORK_JSON, "put-code": 99})
    assert put_code == 1234
    sent = scripted_server.received[0]
    assert (sent.method, sent.path) == ("POST", f"/v3.0/{ORCID}/work")
    assert sent.headers["Content-Type"].startswith("application/vnd.orcid+json")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "put-code" not in json.loads(sent.body)  # ORCID refuses a POST with a put-code (9024)


def test_update_sends_xml_with_the_put_code_on_the_root(scripted_server, scripted_client):
    scripted_server.answer(Answer(200, WORK_XML, {"Content-Type": "application/vnd.orcid+xml"}))
    scripted_client.work_update(orcid=ORCID, access_token=TOKEN, put_code=77, body=WORK_XML)
    sent = scripted_server.received[0]
    assert (sent.method, sent.path) == ("PUT", f"/v3.0/{ORCID}/work/77")
    assert sent.headers["Content-Type"].startswith("application/vnd.orcid+xml")
    assert b'put-code="77"' in sent.body


def test_bulk_of_more_than_100_is_refused_before_any_call(scripted_server, scripted_client):
    with pytest.raises(ValueError):
        scripted_client.works_create_bulk(orcid=ORCID, access_token=TOKEN, bodies=[WORK_JSON] * 101)
    assert scripted_server.received == []


# ---------------------------------------------------------------------------------------------
# Retries
# ---------------------------------------------------------------------------------------------

def test_rate_limit_503s_are_retried_with_growing_jittered_backoff(scripted_server, scripted_client, sleeps):
    scripted_server.answer(Answer(503, "Too many requests"), Answer(503, "Too many requests"), created(5))
    assert scripted_client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON) == 5
    assert len(scripted_server.received) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.1 and 0 <= sleeps[1] <= 0.2  # full jitter within base * 2**attempt
    assert scripted_client.stats.retries == 2
    assert scripted_client.stats.by_method == {"POST": 3}


def test_retry_after_is_honoured(scripted_server, scripted_client, sleeps):
    scripted_server.answer(Answer(503, "", {"Retry-After": "3"}), Answer(200, {"group": []}))
    assert scripted_client.works_read(orcid=ORCID, access_token=TOKEN) == []
    assert sleeps == [3.0]


def test_a_long_retry_after_is_handed_to_the_caller_instead_of_slept(scripted_server, scripted_client, sleeps):
    scripted_server.answer(Answer(503, "", {"Retry-After": "600"}))
    with pytest.raises(errors.RateLimited) as caught:
        scripted_client.works_read(orcid=ORCID, access_token=TOKEN)
    assert caught.value.retry_after == 600
    assert sleeps == []


def test_persistent_503_ends_as_rate_limited_after_the_retries(scripted_server, scripted_client, sleeps):
    scripted_server.answer(*[Answer(503, "busy")] * 4)
    with pytest.raises(errors.RateLimited):
        scripted_client.works_read(orcid=ORCID, access_token=TOKEN)
    assert len(scripted_server.received) == 4  # the call and max_retries=3 retries


def test_persistent_500_on_a_read_ends_as_unavailable(scripted_server, scripted_client):
    scripted_server.answer(*[orcid_error(500, 9008, "boom")] * 4)
    with pytest.raises(errors.Unavailable) as caught:
        scripted_client.works_read(orcid=ORCID, access_token=TOKEN)
    assert not isinstance(caught.value, errors.RateLimited)


def test_a_dropped_read_is_retried(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True), Answer(200, {"group": []}))
    assert scripted_client.works_read(orcid=ORCID, access_token=TOKEN) == []
    assert len(scripted_server.received) == 2


def test_a_timed_out_put_is_retried_because_it_is_idempotent(scripted_server, scripted_client):
    scripted_server.answer(Answer(200, {}, delay=0.8), Answer(200, {}))
    scripted_client.work_update(orcid=ORCID, access_token=TOKEN, put_code=3, body=WORK_JSON)
    assert [r.method for r in scripted_server.received] == ["PUT", "PUT"]


def test_a_delete_whose_first_answer_was_lost_and_then_404s_succeeded(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True), orcid_error(404, 9016, "404 Not Found: The resource was not found."))
    scripted_client.work_delete(orcid=ORCID, access_token=TOKEN, put_code=3)


def test_a_delete_of_a_missing_item_is_not_found(scripted_server, scripted_client):
    scripted_server.answer(orcid_error(404, 9016, "404 Not Found: The resource was not found."))
    with pytest.raises(errors.NotFound):
        scripted_client.work_delete(orcid=ORCID, access_token=TOKEN, put_code=3)


# ---------------------------------------------------------------------------------------------
# Writes that must not be repeated
# ---------------------------------------------------------------------------------------------

def test_a_post_dropped_after_sending_is_outcome_unknown_and_sent_once(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True), created(9))
    with pytest.raises(errors.OutcomeUnknown) as caught:
        scripted_client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON)
    assert len(scripted_server.received) == 1
    assert caught.value.method == "POST"
    assert scripted_client.stats.outcome_unknown == 1


def test_a_post_timing_out_is_outcome_unknown_and_sent_once(scripted_server, scripted_client):
    scripted_server.answer(Answer(201, delay=0.8, headers={"Location": "/v3.0/x/work/1"}))
    with pytest.raises(errors.OutcomeUnknown):
        scripted_client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON)
    assert len(scripted_server.received) == 1


def test_a_post_answered_by_a_gateway_error_is_outcome_unknown(scripted_server, scripted_client):
    scripted_server.answer(Answer(504, "<html>Gateway Timeout</html>"), created(1))
    with pytest.raises(errors.OutcomeUnknown):
        scripted_client.works_create_bulk(orcid=ORCID, access_token=TOKEN, bodies=[WORK_JSON])
    assert len(scripted_server.received) == 1


def test_a_post_that_could_not_connect_is_retried_then_unavailable(sleeps):
    client = OrcidClient(
        base_url="http://127.0.0.1:1",
        api_url=f"http://127.0.0.1:{free_port()}",
        client_id="APP-X",
        client_secret="s",
        rate_limiter=NoRateLimit(),
        max_retries=2,
        backoff_base=0.01,
        sleep=sleeps.append,
    )
    with pytest.raises(errors.Unavailable) as caught:
        client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON)
    assert not isinstance(caught.value, errors.OutcomeUnknown)
    assert client.stats.calls == 3  # nothing was sent, so the POST could be tried again
    assert client.stats.outcome_unknown == 0


def test_an_authorization_code_exchange_whose_answer_was_lost_is_not_repeated(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True))
    with pytest.raises(errors.OutcomeUnknown):
        scripted_client.token_from_code(code="Q7bXz1", redirect_uri="http://portal.test/cb")
    assert len(scripted_server.received) == 1


# ---------------------------------------------------------------------------------------------
# OAuth
# ---------------------------------------------------------------------------------------------

TOKEN_ANSWER = {
    "access_token": TOKEN,
    "token_type": "bearer",
    "refresh_token": "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
    "expires_in": 631138518,
    "scope": "/activities/update /read-limited",
    "name": "Sofia Maria Hernandez Garcia",
    "orcid": ORCID,
}


def test_code_exchange_posts_the_client_credentials_and_returns_the_token(scripted_server, scripted_client):
    scripted_server.answer(Answer(200, TOKEN_ANSWER))
    token = scripted_client.token_from_code(code="Q7bXz1", redirect_uri="http://portal.test/cb")
    assert token.access_token == TOKEN and token.orcid == ORCID and token.name.startswith("Sofia")
    sent = scripted_server.received[0]
    assert sent.path == "/oauth/token"
    form = parse_qs(sent.body.decode())
    assert form["grant_type"] == ["authorization_code"]
    assert form["client_id"] == ["APP-TESTCLIENT000001"] and form["client_secret"] == ["test-secret"]
    assert form["code"] == ["Q7bXz1"]


def test_refresh_sends_revoke_old_and_maps_invalid_grant_to_token_revoked(scripted_server, scripted_client):
    scripted_server.answer(Answer(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}))
    with pytest.raises(errors.TokenRevoked):
        scripted_client.token_refresh(refresh_token="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d", revoke_old=True)
    form = parse_qs(scripted_server.received[0].body.decode())
    assert form["grant_type"] == ["refresh_token"] and form["revoke_old"] == ["true"]


def test_a_used_authorization_code_is_invalid(scripted_server, scripted_client):
    scripted_server.answer(Answer(400, {"error": "invalid_grant", "error_description": "Invalid authorization code"}))
    with pytest.raises(errors.Invalid):
        scripted_client.token_from_code(code="used", redirect_uri="http://portal.test/cb")


def test_revoke_posts_the_token(scripted_server, scripted_client):
    scripted_server.answer(Answer(200, ""))
    scripted_client.token_revoke(token=TOKEN)
    sent = scripted_server.received[0]
    assert sent.path == "/oauth/revoke"
    assert parse_qs(sent.body.decode())["token"] == [TOKEN]


def test_webhook_register_tells_created_from_existing(scripted_server, scripted_client):
    scripted_server.answer(Answer(201), Answer(204))
    callback = "https://portal.test/orcid/webhook/0000-0002-1825-0097?x=1"
    assert scripted_client.webhook_register(orcid=ORCID, callback_url=callback, access_token=TOKEN) is True
    assert scripted_client.webhook_register(orcid=ORCID, callback_url=callback, access_token=TOKEN) is False
    path = scripted_server.received[0].path
    assert path == f"/{ORCID}/webhook/https%3A%2F%2Fportal.test%2Forcid%2Fwebhook%2F0000-0002-1825-0097%3Fx%3D1"


# ---------------------------------------------------------------------------------------------
# Token hygiene and sharing
# ---------------------------------------------------------------------------------------------

def test_a_rejected_token_appears_neither_in_logs_nor_in_the_error(scripted_server, scripted_client, caplog):
    scripted_server.answer(
        Answer(401, {"error": "invalid_token", "error_description": f"Invalid access token: {TOKEN}"},
               {"Content-Type": "application/json"})
    )
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(errors.TokenRevoked) as caught:
            scripted_client.work_update(orcid=ORCID, access_token=TOKEN, put_code=1, body=WORK_JSON)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    assert TOKEN not in caplog.text
    assert "PUT" in caplog.text and f"/v3.0/{ORCID}/work/1" in caplog.text and "401" in caplog.text


def test_one_client_is_shared_by_many_threads(scripted_server, scripted_client):
    scripted_server.default = Answer(200, {"group": []})
    failures = []

    def work():
        try:
            for _ in range(20):
                scripted_client.works_read(orcid=ORCID, access_token=TOKEN)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    try:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        scripted_server.default = Answer(404, {"response-code": 404, "error-code": 9016})
    assert failures == []
    assert scripted_client.stats.calls == 160
    assert scripted_client.stats.snapshot()["reads"] == 160


def test_the_sent_token_is_masked_even_when_echoed_in_an_unknown_form(scripted_server, scripted_client, caplog):
    opaque = "opaque0token0xyz123"
    scripted_server.answer(orcid_error(403, 9014, f"token {opaque} may not do this"))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(errors.Forbidden) as caught:
            scripted_client.work_read(orcid=ORCID, access_token=opaque, put_code=1)
    assert opaque not in str(caught.value)
    assert opaque not in caplog.text


def test_a_plain_refresh_whose_answer_was_lost_is_retried(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True), Answer(200, TOKEN_ANSWER))
    token = scripted_client.token_refresh(refresh_token="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d")
    assert token.access_token == TOKEN
    assert len(scripted_server.received) == 2


def test_a_revoke_old_refresh_whose_answer_was_lost_is_outcome_unknown(scripted_server, scripted_client):
    scripted_server.answer(Answer(drop=True), Answer(200, TOKEN_ANSWER))
    with pytest.raises(errors.OutcomeUnknown):
        scripted_client.token_refresh(refresh_token="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d", revoke_old=True)
    assert len(scripted_server.received) == 1


def test_default_client_is_one_per_configuration(settings):
    from orcid_client.client import default_client

    settings.REDIS_URL = ""
    settings.ORCID_API_URL = "http://orcid-a.test"
    first = default_client()
    assert default_client() is first
    settings.ORCID_API_URL = "http://orcid-b.test"
    assert default_client() is not first
    assert default_client().api_url == "http://orcid-b.test"


def test_a_malformed_orcid_url_is_a_configuration_error_not_an_unknown_outcome(sleeps):
    import requests

    client = OrcidClient(
        base_url="orcid.example", api_url="orcid.example", client_id="APP-X", client_secret="s",
        rate_limiter=NoRateLimit(), sleep=sleeps.append,
    )
    with pytest.raises(requests.exceptions.MissingSchema):
        client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON)
    assert client.stats.calls == 1 and sleeps == []


# ---------------------------------------------------------------------------------------------
# Record states and the token endpoint's own failures (issue 12)
# ---------------------------------------------------------------------------------------------

PRIMARY = "0000-0001-5109-3700"


def test_a_301_on_a_read_is_the_deprecated_answer_not_followed_nor_retried(scripted_server, scripted_client):
    scripted_server.answer(Answer(
        301,
        {"response-code": 301, "error-code": 9007,
         "developer-message": f"301 Moved Permanently: This account is deprecated. Please refer to account: "
                              f"https://orcid.org/{PRIMARY}. ORCID https://orcid.org/{ORCID}"},
        {"Location": f"{scripted_server.url}/v3.0/{PRIMARY}/works", "Content-Type": "application/json"},
    ))
    with pytest.raises(errors.RecordDeprecated) as caught:
        scripted_client.works_read(orcid=ORCID, access_token=TOKEN)
    assert caught.value.primary_orcid == PRIMARY
    assert len(scripted_server.received) == 1  # neither followed nor retried


def test_a_locked_record_is_refused_at_once(scripted_server, scripted_client):
    scripted_server.answer(orcid_error(409, 9018, f"409 Conflict: The ORCID record is locked and cannot be edited. "
                                                  f"ORCID {ORCID}"))
    with pytest.raises(errors.RecordLocked):
        scripted_client.work_create(orcid=ORCID, access_token=TOKEN, body=WORK_JSON)
    assert len(scripted_server.received) == 1


def test_server_error_on_refresh_is_retried_with_backoff(scripted_server, scripted_client, sleeps):
    server_error = Answer(401, {"error": "server_error", "error_description": "boom"},
                          {"Content-Type": "application/json"})
    scripted_server.answer(server_error, Answer(500, {"error": "server_error"}), Answer(200, TOKEN_ANSWER))
    token = scripted_client.token_refresh(refresh_token="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d")
    assert token.access_token == TOKEN
    assert len(scripted_server.received) == 3 and len(sleeps) == 2


def test_server_error_on_refresh_past_the_retries_is_unavailable_not_revoked(scripted_server, scripted_client):
    scripted_server.default = Answer(401, {"error": "server_error"}, {"Content-Type": "application/json"})
    try:
        with pytest.raises(errors.Unavailable) as caught:
            scripted_client.token_refresh(refresh_token="0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d")
    finally:
        scripted_server.default = Answer(404, {"response-code": 404, "error-code": 9016})
    assert not isinstance(caught.value, errors.TokenRevoked)
    assert len(scripted_server.received) == 1 + scripted_client.max_retries
