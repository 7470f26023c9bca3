"""In real headless Chromium: the email's link, the institutional sign-in, the invitation's
connect page, ORCID's (the simulator's) consent page, and back on a connected dashboard with the
items already on the record."""

from __future__ import annotations

import re

import pytest

from connections.models import OrcidConnection
from invitations.models import Invitation
from tests.fixtures.works import UserFactory, WorkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_emails_link_leads_to_a_connected_dashboard(page, live_server, orcid_simulator, invite_env, mailoutbox,
                                                        sync_env, settings):
    from playwright.sync_api import expect

    settings.PORTAL_BASE_URL = live_server.url
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", password="analytical-engine")
    WorkFactory(researcher=ada, unit=invite_env.unit, eligible=True)
    invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    link = re.search(r"http://\S+/invitations/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Institutional ID").fill("ada")
    page.get_by_label("Password").fill("analytical-engine")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("The University Library invited you")).to_be_visible()

    page.get_by_role("button", name="Connect your ORCID iD").click()
    expect(page).to_have_url(re.compile(re.escape(orcid_simulator.url) + r"/oauth/authorize.*given_names=Ada"))
    page.get_by_label("Given names").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_role("button", name="Authorize access").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text("Your ORCID iD is connected.")).to_be_visible()
    expect(page.get_by_role("heading", name="Connected")).to_be_visible()
    connection = OrcidConnection.objects.get(user__username="ada")
    assert Invitation.objects.get().status == "connected"
    assert len(sync_env.orcid_works(connection.orcid)) == 1
