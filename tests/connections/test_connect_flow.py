"""The connect flow over real HTTP against the ORCID simulator: the portal's connect page,
allauth's redirect with a stashed `state`, the simulator's consent form (posted the way a
browser would), and the portal's callback."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.test import Client
from django.urls import reverse

from connections import adapters
from connections.models import OrcidConnection
from connections.services import InsufficientScopes, OrcidIdLinkedElsewhere
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db

# The simulator's demo client accepts redirect URIs on 127.0.0.1 only, as a registered
# ORCID client accepts only its own; the portal builds its callback from the request's host.
HOST = "127.0.0.1"


@pytest.fixture
def browser():
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def ada(browser):
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    browser.force_login(user)
    return user


def _start(browser) -> dict:
    """POST the connect form; return the authorize request's parameters."""
    response = browser.post(reverse("orcid-connect"))
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()} | {
        "_url": response["Location"]
    }


def _consent(simulator, params: dict, *, action="authorize", orcid=None, **overrides) -> str:
    """Answer ORCID's consent page; return the portal callback path (with query) ORCID redirects to."""
    form = {k: params[k] for k in ("client_id", "response_type", "scope", "redirect_uri", "state")}
    form.update(action=action, **overrides)
    if orcid:
        form.update(account="existing", orcid=orcid)
    else:
        form.update(account="new", given_names="Ada", family_name="Lovelace")
    answer = requests.post(f"{simulator.url}/oauth/authorize", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    return f"{location.path}?{location.query}"


def _land(client, path, data=None) -> list[str]:
    """Follow the callback to the page it ends on; return the messages that page shows."""
    response = client.get(path, data, follow=True)
    assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("dashboard")
    html = response.content.decode()
    shown = [str(m) for m in response.context["messages"]]
    for message in shown:
        assert message.replace("'", "&#x27;") in html
    return shown


def test_connect_page_offers_an_orcid_button_in_a_csrf_protected_form(ada):
    strict = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
    strict.force_login(ada)
    page = strict.get(reverse("orcid-connect"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in html and "orcid-id.svg" in html and "Connect your ORCID iD" in html
    assert 'name="orcid"' not in html  # iDs are never typed in
    assert strict.post(reverse("orcid-connect")).status_code == 403


def test_connect_starts_oauth_at_the_configured_orcid_with_the_scopes_and_a_state(browser, ada, orcid_simulator):
    params = _start(browser)
    assert params["_url"].startswith(f"{orcid_simulator.url}/oauth/authorize?")
    assert set(params["scope"].split()) == {"/authenticate", "/activities/update", "/read-limited"}
    assert params["redirect_uri"] == f"http://{HOST}/accounts/orcid/login/callback/"
    assert len(params["state"]) >= 12


def test_connecting_links_the_id_and_ends_on_the_dashboard(browser, ada, orcid_simulator, caplog):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    callback = _consent(orcid_simulator, _start(browser), orcid=record["orcid"])
    with caplog.at_level(logging.DEBUG):
        assert _land(browser, callback) == [adapters.MESSAGE_CONNECTED]
    connection = OrcidConnection.objects.get(user=ada)
    assert connection.orcid == record["orcid"]
    assert connection.status == "active"
    assert connection.name == "Ada Lovelace"
    assert set(connection.scopes) == {"/authenticate", "/activities/update", "/read-limited"}
    assert connection.expires_at is not None
    # allauth links the account but keeps no token: the only copy is the encrypted one.
    assert SocialAccount.objects.get(user=ada, provider="orcid").uid == record["orcid"]
    assert not SocialToken.objects.exists()
    # ... and the stored token works on ORCID.
    from orcid_client.client import OrcidClient

    assert OrcidClient().works_read(orcid=record["orcid"], access_token=connection.access_token) == []
    dashboard = browser.get(reverse("dashboard")).content.decode()
    assert f"{orcid_simulator.url}/{record['orcid']}" in dashboard
    assert connection.access_token not in dashboard
    # Nothing logged along the way (portal, allauth, the ORCID client) holds a token.
    assert caplog.records
    assert connection.access_token not in caplog.text and connection.refresh_token not in caplog.text


def test_a_tampered_state_is_rejected_and_no_code_is_exchanged(browser, ada, orcid_simulator):
    params = _start(browser)
    callback = _consent(orcid_simulator, params | {"state": params["state"][:-2] + "xy"})
    orcid_simulator.clear_calls()
    assert _land(browser, callback) == [adapters.MESSAGE_STATE]
    assert not OrcidConnection.objects.exists()
    assert not [c for c in orcid_simulator.calls() if c["path"].startswith("/oauth/token")]


def test_a_callback_from_another_session_is_rejected(browser, ada, orcid_simulator):
    callback = _consent(orcid_simulator, _start(browser))
    other = Client(HTTP_HOST=HOST)
    other.force_login(UserFactory(username="mallory"))
    assert _land(other, callback) == [adapters.MESSAGE_STATE]
    assert not OrcidConnection.objects.exists()


def test_a_replayed_callback_is_rejected(browser, ada, orcid_simulator):
    callback = _consent(orcid_simulator, _start(browser))
    assert _land(browser, callback) == [adapters.MESSAGE_CONNECTED]
    # Reloaded after it succeeded: refused quietly, no error above the "Connected" card (issue 14).
    assert _land(browser, callback) == [adapters.MESSAGE_ALREADY_CONNECTED]
    assert OrcidConnection.objects.get().status == "active"


def test_denying_access_on_orcid_says_so(browser, ada, orcid_simulator):
    assert _land(browser, _consent(orcid_simulator, _start(browser), action="deny")) == [adapters.MESSAGE_DENIED]
    assert not OrcidConnection.objects.exists()


def test_an_error_from_orcid_says_so(browser, ada, orcid_simulator):
    params = _start(browser)
    shown = _land(
        browser, reverse("orcid_callback"), {"error": "server_error", "error_description": "boom", "state": params["state"]}
    )
    assert shown == [adapters.MESSAGE_ERROR]
    assert not OrcidConnection.objects.exists()


def test_a_code_orcid_refuses_to_exchange_says_orcid_answered_an_error(browser, ada, orcid_simulator):
    params = _start(browser)
    shown = _land(browser, reverse("orcid_callback"), {"code": "not-a-code", "state": params["state"]})
    assert shown == [adapters.MESSAGE_ERROR]
    assert not OrcidConnection.objects.exists()


def test_an_id_already_linked_to_another_institutional_id_is_refused(browser, ada, orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    _land(browser, _consent(orcid_simulator, _start(browser), orcid=record["orcid"]))

    mallory = Client(HTTP_HOST=HOST)
    mallory.force_login(UserFactory(username="mallory"))
    shown = _land(mallory, _consent(orcid_simulator, _start(mallory), orcid=record["orcid"]))
    assert shown == [OrcidIdLinkedElsewhere.message]
    assert OrcidConnection.objects.get().user == ada
    assert SocialAccount.objects.get(uid=record["orcid"]).user == ada


def test_a_refused_connect_leaves_no_live_token_on_the_record_but_the_holders(browser, ada, orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    _land(browser, _consent(orcid_simulator, _start(browser), orcid=record["orcid"]))
    before = orcid_simulator.record(record["orcid"])["tokens"]

    mallory = Client(HTTP_HOST=HOST)
    mallory.force_login(UserFactory(username="mallory"))
    assert _land(mallory, _consent(orcid_simulator, _start(mallory), orcid=record["orcid"])) == [
        OrcidIdLinkedElsewhere.message
    ]
    tokens = orcid_simulator.record(record["orcid"])["tokens"]
    issued_to_mallory = tokens[len(before):]
    assert [t["status"] for t in issued_to_mallory] == ["revoked_by_client"]
    # Ada's own grant (the connection's) is untouched and still works.
    assert [t["status"] for t in tokens[: len(before)]] == [t["status"] for t in before]
    from orcid_client.client import OrcidClient

    connection = OrcidConnection.objects.get()
    assert OrcidClient().works_read(orcid=record["orcid"], access_token=connection.access_token) == []


def test_a_grant_that_cannot_write_is_refused_and_given_back(browser, ada, orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    before = len(orcid_simulator.record(record["orcid"])["tokens"])
    params = _start(browser)
    shown = _land(browser, _consent(orcid_simulator, params | {"scope": "/authenticate"}, orcid=record["orcid"]))
    assert shown == [InsufficientScopes.message]
    assert not OrcidConnection.objects.exists()
    tokens = orcid_simulator.record(record["orcid"])["tokens"][before:]
    assert [t["status"] for t in tokens] == ["revoked_by_client"]


def test_reconnecting_after_a_revocation_replaces_the_tokens(browser, ada, orcid_simulator):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    _land(browser, _consent(orcid_simulator, _start(browser), orcid=record["orcid"]))
    connection = OrcidConnection.objects.get()
    old = connection.access_token
    from connections.services import connection_mark_revoked

    connection_mark_revoked(connection=connection, reason="invalid_token")
    assert _land(browser, _consent(orcid_simulator, _start(browser), orcid=record["orcid"])) == [adapters.MESSAGE_RECONNECTED]
    connection.refresh_from_db()
    assert connection.status == "active" and connection.access_token != old
    assert list(connection.events.order_by("id").values_list("kind", flat=True)) == ["connected", "revoked", "reconnected"]


def test_nobody_is_signed_in_by_orcid(orcid_simulator):
    anonymous = Client(HTTP_HOST=HOST)
    response = anonymous.get(reverse("orcid_callback"), {"code": "x", "state": "y"})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in anonymous.session
    assert anonymous.post(reverse("orcid-connect")).status_code == 302  # to the login page
