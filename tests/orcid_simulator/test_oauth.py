"""ORCID's OAuth as the simulator serves it: the consent page, single-use 10-minute codes, token
JSON, refresh with revoke_old, client credentials, revocation."""

from __future__ import annotations

import urllib.parse

import pytest
import requests
from django.conf import settings as django_settings

from .conftest import Api, work_json

REDIRECT = "http://127.0.0.1:8000/accounts/orcid/login/callback/"


def demo_auth() -> tuple[str, str]:
    return django_settings.ORCID_DEMO_CLIENT_ID, django_settings.ORCID_DEMO_CLIENT_SECRET


def authorize(url: str, *, action: str = "authorize", scope: str = "/authenticate /activities/update /read-limited",
              state: str = "xyz", **form) -> requests.Response:
    client_id, _ = demo_auth()
    params = {"client_id": client_id, "response_type": "code", "scope": scope, "redirect_uri": REDIRECT,
              "state": state}
    data = {**params, "action": action, **form}
    return requests.post(f"{url}/oauth/authorize", data=data, allow_redirects=False, timeout=10)


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT)
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))


def exchange(url: str, code: str, *, redirect_uri: str = REDIRECT, auth=None) -> requests.Response:
    return requests.post(f"{url}/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                     "redirect_uri": redirect_uri},
                         auth=auth or demo_auth(), headers={"Accept": "application/json"}, timeout=10)


def test_the_consent_page_offers_new_and_existing_records_and_both_buttons(orcid_simulator, record):
    client_id, _ = demo_auth()
    response = requests.get(f"{orcid_simulator.url}/oauth/authorize", params={
        "client_id": client_id, "response_type": "code", "scope": "/authenticate /activities/update",
        "redirect_uri": REDIRECT, "state": "s1"}, timeout=10)
    assert response.status_code == 200
    page = response.text
    assert "Authorize access" in page and "Deny access" in page
    assert '<label for="given_names">' in page and '<label for="family_name">' in page
    assert record["orcid"] in page
    # Self-contained: inline CSS, nothing fetched from elsewhere.
    assert "<style>" in page and "<link" not in page and "<script" not in page


def test_authorizing_as_a_new_researcher_returns_a_six_character_code_and_the_state(orcid_simulator):
    params = redirect_params(authorize(orcid_simulator.url, given_names="Grace", family_name="Hopper"))
    assert params["state"] == "xyz"
    assert len(params["code"]) == 6
    token = exchange(orcid_simulator.url, params["code"])
    assert token.status_code == 200, token.text
    body = token.json()
    assert set(body) == {"access_token", "token_type", "refresh_token", "expires_in", "scope", "name", "orcid"}
    assert body["token_type"] == "bearer"
    assert body["name"] == "Grace Hopper"
    assert abs(body["expires_in"] - 631138518) < 5
    assert set(body["scope"].split()) == {"/authenticate", "/activities/update", "/read-limited"}
    assert orcid_simulator.record(body["orcid"])["name"] == "Grace Hopper"


def test_signing_in_to_an_existing_record_gives_a_token_for_it(orcid_simulator, record):
    params = redirect_params(authorize(orcid_simulator.url, account="existing", orcid=record["orcid"]))
    assert exchange(orcid_simulator.url, params["code"]).json()["orcid"] == record["orcid"]


def test_denying_redirects_with_access_denied_and_the_state(orcid_simulator):
    params = redirect_params(authorize(orcid_simulator.url, action="deny", state="keep-me"))
    assert params["error"] == "access_denied"
    assert params["error_description"]
    assert params["state"] == "keep-me"
    assert "code" not in params


def test_a_code_works_once(orcid_simulator):
    code = redirect_params(authorize(orcid_simulator.url))["code"]
    assert exchange(orcid_simulator.url, code).status_code == 200
    again = exchange(orcid_simulator.url, code)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant", "error_description": f"Invalid authorization code: {code}"}


def test_a_code_expires_after_ten_minutes(orcid_simulator, simulator_server):
    code = redirect_params(authorize(orcid_simulator.url))["code"]
    auth_code = simulator_server.simulator.codes[code]
    assert 590 < auth_code.expires_at - __import__("time").time() <= 600
    auth_code.expires_at -= 601
    assert exchange(orcid_simulator.url, code).json()["error"] == "invalid_grant"


def test_a_code_needs_the_same_redirect_uri(orcid_simulator):
    code = redirect_params(authorize(orcid_simulator.url))["code"]
    response = exchange(orcid_simulator.url, code, redirect_uri="http://127.0.0.1:8000/elsewhere/")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(orcid_simulator):
    code = redirect_params(authorize(orcid_simulator.url))["code"]
    response = exchange(orcid_simulator.url, code, auth=(demo_auth()[0], "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_credentials_can_be_sent_in_the_form_too(orcid_simulator):
    code = redirect_params(authorize(orcid_simulator.url))["code"]
    client_id, secret = demo_auth()
    response = requests.post(f"{orcid_simulator.url}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": client_id,
        "client_secret": secret}, timeout=10)
    assert response.status_code == 200


@pytest.mark.parametrize("redirect_uri", ["https://evil.example.org/callback", "not a url"])
def test_an_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(orcid_simulator, redirect_uri):
    client_id, _ = demo_auth()
    response = requests.get(f"{orcid_simulator.url}/oauth/authorize", params={
        "client_id": client_id, "response_type": "code", "scope": "/authenticate", "redirect_uri": redirect_uri},
        allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect URI" in response.text


def test_an_unknown_client_gets_an_error_page(orcid_simulator):
    response = requests.get(f"{orcid_simulator.url}/oauth/authorize", params={
        "client_id": "APP-NOPE", "response_type": "code", "scope": "/authenticate", "redirect_uri": REDIRECT},
        allow_redirects=False, timeout=10)
    assert response.status_code == 400 and "Location" not in response.headers


def test_an_unknown_scope_redirects_with_invalid_scope(orcid_simulator):
    client_id, _ = demo_auth()
    response = requests.get(f"{orcid_simulator.url}/oauth/authorize", params={
        "client_id": client_id, "response_type": "code", "scope": "/everything", "redirect_uri": REDIRECT,
        "state": "s"}, allow_redirects=False, timeout=10)
    assert redirect_params(response)["error"] == "invalid_scope"


def refresh(url: str, refresh_token: str, **extra) -> requests.Response:
    return requests.post(f"{url}/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                     **extra}, auth=demo_auth(), timeout=10)


def test_refresh_without_revoke_old_keeps_both_tokens_working(orcid_simulator, api: Api, record):
    response = refresh(orcid_simulator.url, record["refresh_token"], revoke_old="false")
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["access_token"] != record["access_token"] and new["orcid"] == record["orcid"]
    assert new["refresh_token"] and new["refresh_token"] != record["refresh_token"]
    assert api.call("GET", "works").status_code == 200
    assert api.call("GET", "works", token=new["access_token"]).status_code == 200


def test_refresh_with_revoke_old_kills_the_old_access_token(orcid_simulator, api: Api, record):
    new = refresh(orcid_simulator.url, record["refresh_token"], revoke_old="true").json()
    old = api.call("GET", "works")
    assert old.status_code == 401
    assert old.json()["error"] == "invalid_token"
    assert api.call("GET", "works", token=new["access_token"]).status_code == 200
    # The old refresh token is spent too.
    assert refresh(orcid_simulator.url, record["refresh_token"]).json()["error"] == "invalid_grant"


def test_refresh_may_narrow_the_scope_but_not_widen_it(orcid_simulator, api: Api, record):
    narrow = refresh(orcid_simulator.url, record["refresh_token"], scope="/read-limited").json()
    assert narrow["scope"] == "/read-limited"
    response = api.post_work(work_json(), token=narrow["access_token"])
    assert response.status_code == 403 and response.json()["error-code"] == 9038
    wide = refresh(orcid_simulator.url, record["refresh_token"], scope="/activities/update /person/update")
    assert wide.status_code == 400


def test_client_credentials_give_read_public_and_webhook_tokens_without_a_record(orcid_simulator):
    for scope in ("/read-public", "/webhook"):
        response = requests.post(f"{orcid_simulator.url}/oauth/token", data={
            "grant_type": "client_credentials", "scope": scope}, auth=demo_auth(), timeout=10)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["scope"] == scope and body["token_type"] == "bearer"
        assert body["orcid"] is None and body["refresh_token"] and "name" not in body


def test_client_credentials_refuse_member_scopes(orcid_simulator):
    response = requests.post(f"{orcid_simulator.url}/oauth/token", data={
        "grant_type": "client_credentials", "scope": "/activities/update"}, auth=demo_auth(), timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_an_unknown_grant_type_is_unsupported(orcid_simulator):
    response = requests.post(f"{orcid_simulator.url}/oauth/token", data={"grant_type": "password"},
                             auth=demo_auth(), timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"


def test_a_token_revoked_by_the_client_is_dead_even_for_delete(orcid_simulator, api: Api, record):
    put_code = api.put_code_of(api.post_work(work_json()))
    response = requests.post(f"{orcid_simulator.url}/oauth/revoke", data={"token": record["access_token"]},
                             auth=demo_auth(), timeout=10)
    assert response.status_code == 200
    for method in ("GET", "DELETE"):
        answer = api.call(method, f"work/{put_code}")
        assert answer.status_code == 401
        assert answer.json() == {"error": "invalid_token",
                                 "error_description": f"Invalid access token: {record['access_token']}"}


def test_revoking_by_refresh_token_kills_its_access_token(orcid_simulator, api: Api, record):
    requests.post(f"{orcid_simulator.url}/oauth/revoke", data={"token": record["refresh_token"]},
                  auth=demo_auth(), timeout=10)
    assert api.call("GET", "works").status_code == 401
