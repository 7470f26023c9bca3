"""The whole connect journey in real headless Chromium: sign in, connect, consent on the
simulator's ORCID page, back on the dashboard; then denying; then disconnecting, which the
simulator records as a token revoked by the portal."""

from __future__ import annotations

import re

import pytest

from connections.models import OrcidConnection
from tests.fixtures.works import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_viewport():
    return {"width": 390, "height": 844}  # a phone


def test_connect_deny_and_disconnect_in_a_real_browser(page, live_server, orcid_simulator):
    from playwright.sync_api import expect

    UserFactory(username="ada", first_name="Ada", last_name="Lovelace", password="analytical-engine")

    # Sign in with the institutional ID.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Institutional ID").fill("ada")
    page.get_by_label("Password").fill("analytical-engine")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Not connected")).to_be_visible()

    # Connect: the portal's page, then ORCID's (the simulator's) consent page.
    page.get_by_role("link", name="Connect your ORCID iD").click()
    page.get_by_role("button", name="Connect your ORCID iD").click()
    expect(page).to_have_url(re.compile(re.escape(orcid_simulator.url) + r"/oauth/authorize"))
    page.get_by_label("Given names").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_role("button", name="Authorize access").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Your ORCID iD is connected.")).to_be_visible()
    expect(page.get_by_role("heading", name="Connected")).to_be_visible()
    connection = OrcidConnection.objects.get(user__username="ada")
    assert connection.status == "active"
    # The iD as ORCID asks: the full URI on ORCID's host, as a link.
    expect(page.get_by_role("link", name=f"{orcid_simulator.url}/{connection.orcid}")).to_be_visible()

    # Deny on ORCID: a plain message, and the existing connection is untouched.
    page.goto(f"{live_server.url}/orcid/connect/")
    page.get_by_role("button", name="Reconnect your ORCID iD").click()
    page.get_by_role("button", name="Deny access").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("You chose not to give the portal access")).to_be_visible()
    connection.refresh_from_db()
    assert connection.status == "active"

    # Disconnect: asked about the items first, then the token is revoked at ORCID.
    page.get_by_role("link", name=re.compile("Disconnect my ORCID iD")).click()
    page.get_by_label("Keep them on my ORCID record").check()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_text("Your ORCID iD is disconnected")).to_be_visible()
    expect(page.get_by_role("heading", name="Not connected")).to_be_visible()
    statuses = [t["status"] for t in orcid_simulator.record(connection.orcid)["tokens"]]
    assert statuses == ["revoked_by_client"]
    connection.refresh_from_db()
    assert connection.status == "disconnected" and connection.access_token_encrypted == ""
