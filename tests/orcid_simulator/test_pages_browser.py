"""The sign-in and consent page in a real browser (headless Chromium), used by keyboard and labels
as a researcher (or another test) would."""

from __future__ import annotations

import threading
import urllib.parse

import pytest
from django.conf import settings as django_settings
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

pytestmark = [pytest.mark.browser]


@pytest.fixture
def callback():
    """A stand-in for the portal's OAuth callback page."""
    server = make_server("127.0.0.1", 0, lambda environ, start: Response("back at the portal")(environ, start),
                         threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/accounts/orcid/login/callback/"
    server.shutdown()


def authorize_url(base: str, redirect_uri: str, state: str) -> str:
    return f"{base}/oauth/authorize?" + urllib.parse.urlencode({
        "client_id": django_settings.ORCID_DEMO_CLIENT_ID, "response_type": "code",
        "scope": "/authenticate /activities/update /read-limited", "redirect_uri": redirect_uri, "state": state})


def test_a_new_researcher_authorizes_and_lands_back_with_a_code(orcid_simulator, page, callback):
    page.goto(authorize_url(orcid_simulator.url, callback, "st4te"))
    page.get_by_label("Given names").fill("Katherine")
    page.get_by_label("Family name").fill("Johnson")
    page.get_by_role("button", name="Authorize access").click()
    page.wait_for_url(f"{callback}*")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert query["state"] == "st4te" and len(query["code"]) == 6
    assert [r["name"] for r in orcid_simulator.records()] == ["Katherine Johnson"]


def test_an_existing_researcher_signs_in_and_denies(orcid_simulator, page, callback):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    page.goto(authorize_url(orcid_simulator.url, callback, "s2"))
    page.get_by_label("Sign in to an existing ORCID record").check()
    page.get_by_label("Existing record").select_option(record["orcid"])
    page.get_by_role("button", name="Deny access").click()
    page.wait_for_url(f"{callback}*")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert query["error"] == "access_denied" and query["state"] == "s2"
