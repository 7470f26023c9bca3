"""Stale pages (issue 14): a form sent after the session expired sends the person to sign in,
says the action was not saved, and brings them back to the same page and filter; a failed CSRF
check is the portal's page with a way back."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.fixtures.works import ResearcherFactory, WorkFactory
from works.models import Work

pytestmark = pytest.mark.django_db


def test_an_action_after_the_session_expired_is_not_saved_and_leads_back_to_the_same_filter(client):
    ada = ResearcherFactory(username="ada")
    work = WorkFactory(researcher=ada)
    page = "http://testserver/works/?status=awaiting_approval&q=nature"
    response = client.post("/works/", {"approve_one": work.pk}, HTTP_REFERER=page)  # signed out: expired
    assert response.status_code == 302
    assert response.url == "/login/?next=/works/%3Fstatus%3Dawaiting_approval%26q%3Dnature"
    login_page = client.get(response.url).content.decode()
    assert "Your session had expired, so your last action was not saved." in login_page
    assert Work.objects.get(pk=work.pk).approved is None


def test_a_referer_from_another_site_is_not_followed(client):
    response = client.post("/orcid/sync/", HTTP_REFERER="https://evil.example/phish")
    assert response.url == "/login/?next=/orcid/sync/"


def test_a_stale_form_gets_the_portals_csrf_page_with_a_way_back():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ResearcherFactory(username="ada"))
    response = browser.post("/works/", {"action": "approve"}, HTTP_REFERER="http://testserver/works/?page=3")
    page = response.content.decode()
    assert response.status_code == 403
    assert "your action was not saved" in page and 'href="/works/?page=3"' in page
    assert "CSRF verification failed" not in page


def test_an_api_call_after_the_session_expired_stays_json(client):
    response = client.post("/api/v1/researchers/ada/sync")
    assert response.status_code in (401, 403) and response.json()["message"]
