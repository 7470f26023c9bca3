"""Record states and token faults as ORCID answers them (CONTRACT §6; ORCID-Source's v3
OrcidSecurityManagerImpl.checkProfile, OrcidCoreExceptionMapper, OrcidExceptionMapper)."""

from __future__ import annotations

import requests

from tests.orcid_simulator.conftest import Api, error_code, work_json


def _client_token(url: str, scope: str = "/read-public") -> str:
    from django.conf import settings

    response = requests.post(f"{url}/oauth/token", data={
        "client_id": settings.ORCID_DEMO_CLIENT_ID, "client_secret": settings.ORCID_DEMO_CLIENT_SECRET,
        "grant_type": "client_credentials", "scope": scope}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_a_locked_record_answers_409_9018_to_every_call_until_unlocked(api: Api, orcid_simulator):
    put_code = api.put_code_of(api.post_work(work_json()))
    orcid_simulator.set_record_state(api.orcid, "locked")
    for method, path, body in [("GET", "works", None), ("GET", f"work/{put_code}", None),
                               ("POST", "work", work_json("10.5555/locked")), ("DELETE", f"work/{put_code}", None),
                               ("GET", "activities", None)]:
        response = api.call(method, path, body)
        assert response.status_code == 409 and error_code(response) == 9018, (method, path, response.text)
    assert response.json()["developer-message"] == (
        f"409 Conflict: The ORCID record is locked and cannot be edited. ORCID {api.orcid} "
        f"Full validation error: {api.orcid} is locked")
    assert response.json()["user-message"] == "The ORCID record is locked."
    orcid_simulator.set_record_state(api.orcid, "active")
    assert api.call("GET", f"work/{put_code}").status_code == 200


def test_a_deactivated_record_disables_its_tokens_and_answers_others_409_9044(api: Api, orcid_simulator):
    orcid_simulator.set_record_state(api.orcid, "deactivated")
    response = api.call("GET", "works")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": f"Invalid access token: {api.token}"}
    public = _client_token(orcid_simulator.url)
    response = api.call("GET", "record", token=public)
    assert response.status_code == 409 and error_code(response) == 9044
    assert response.json()["user-message"] == "The ORCID record is deactivated."
    # The holder's tokens stay dead after a reactivation: the researcher has to grant access again.
    orcid_simulator.set_record_state(api.orcid, "active")
    assert api.call("GET", "works").status_code == 401
    assert api.call("GET", "record", token=public).status_code == 200


def test_a_deprecated_record_moves_reads_to_the_primary_and_refuses_writes_naming_it(api: Api, orcid_simulator):
    primary = orcid_simulator.create_record(name="Ada Lovelace (primary)")["orcid"]
    put_code = api.put_code_of(api.post_work(work_json()))
    orcid_simulator.set_record_state(api.orcid, "deprecated", primary=primary)
    response = api.call("GET", f"work/{put_code}", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{orcid_simulator.url}/v3.0/{primary}/work/{put_code}"
    assert error_code(response) == 9007
    assert response.json()["developer-message"] == (
        f"301 Moved Permanently: This account is deprecated. Please refer to account: https://orcid.org/{primary}. "
        f"ORCID https://orcid.org/{api.orcid}")
    response = api.post_work(work_json("10.5555/deprecated"))
    assert response.status_code == 409 and error_code(response) == 9007
    message = f"This account is deprecated. Please refer to account: https://orcid.org/{primary}."
    assert response.json()["developer-message"] == message == response.json()["user-message"]
    assert orcid_simulator.record(api.orcid)["state"] == "deprecated"
    assert orcid_simulator.record(api.orcid)["primary"] == primary


def test_an_unclaimed_record_answers_409_9036(api: Api, orcid_simulator):
    orcid_simulator.set_record_state(api.orcid, "unclaimed")
    response = api.call("GET", "works")
    assert response.status_code == 409 and error_code(response) == 9036
    assert response.json()["user-message"].startswith("This record has not been claimed")


def test_a_record_state_must_be_known_and_a_deprecation_needs_a_primary(orcid_simulator, record):
    session = requests.Session()
    url = f"{orcid_simulator.url}/_simulator/records/{record['orcid']}/state"
    assert session.put(url, json={"state": "frozen"}, timeout=10).status_code == 400
    assert session.put(url, json={"state": "deprecated"}, timeout=10).status_code == 400
    assert session.put(f"{orcid_simulator.url}/_simulator/records/0000-0000-0000-0000/state",
                       json={"state": "locked"}, timeout=10).status_code == 404


def test_an_expired_token_is_named_expired(api: Api, orcid_simulator):
    orcid_simulator.expire_token(api.token)
    response = api.call("GET", "works")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": f"Access token expired: {api.token}"}


def test_a_refresh_replaces_a_token_expired_early_with_a_working_one(api: Api, orcid_simulator, record):
    from django.conf import settings

    orcid_simulator.expire_token(api.token)
    response = requests.post(f"{orcid_simulator.url}/oauth/token", data={
        "client_id": settings.ORCID_DEMO_CLIENT_ID, "client_secret": settings.ORCID_DEMO_CLIENT_SECRET,
        "grant_type": "refresh_token", "refresh_token": record["refresh_token"]}, timeout=10)
    assert response.status_code == 200 and response.json()["expires_in"] > 0
    assert api.call("GET", "works", token=response.json()["access_token"]).status_code == 200


def test_token_endpoint_faults_answer_server_error_for_n_calls(orcid_simulator):
    from django.conf import settings

    def token_call():
        return requests.post(f"{orcid_simulator.url}/oauth/token", data={
            "client_id": settings.ORCID_DEMO_CLIENT_ID, "client_secret": settings.ORCID_DEMO_CLIENT_SECRET,
            "grant_type": "client_credentials", "scope": "/read-public"}, timeout=10)

    orcid_simulator.set_token_faults(count=2)
    for _ in range(2):
        response = token_call()
        assert response.status_code == 401 and response.json()["error"] == "server_error"
    assert token_call().status_code == 200
    orcid_simulator.set_token_faults(count=1, status=503)
    response = token_call()
    assert response.status_code == 503 and "nginx" in response.text
    orcid_simulator.set_token_faults(count=1, status=500, grant_types=["refresh_token"])
    assert token_call().status_code == 200  # only refreshes fail
    orcid_simulator.clear_token_faults()
