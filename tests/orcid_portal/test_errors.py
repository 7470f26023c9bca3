"""Errors: JSON under /api/ in every case (CSRF failures and NUL bytes included); elsewhere the
portal's own pages, which name SUPPORT_EMAIL (CONTRACT §4, §5)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from orcid_portal import api as handlers
from tests.fixtures.connections import api_key_for
from tests.fixtures.works import UserFactory, WorkFactory
from units.models import ApiAuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_a_session_and_a_bearer_key_sent_together_the_key_wins_and_no_csrf_applies(csrf_client):
    """A browser never adds an Authorization header by itself: a key-authenticated call is no
    cross-site forgery, whatever cookie comes along (README, campus API)."""
    ada = UserFactory(username="ada")
    work = WorkFactory(researcher=ada)
    csrf_client.force_login(UserFactory(username="mallory"))
    key = api_key_for(scopes=["works:curate"], unit_code=work.unit.code)
    response = csrf_client.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                                 content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200, response.content
    work.refresh_from_db()
    assert work.approved is True


def test_a_session_call_without_the_csrf_token_is_a_json_403(csrf_client):
    ada = UserFactory(username="ada")
    work = WorkFactory(researcher=ada)
    csrf_client.force_login(ada)
    response = csrf_client.patch(f"/api/v1/researchers/ada/works/{work.pk}", {"approved": True},
                                 content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["message"]


def test_an_unknown_api_path_with_a_session_and_no_csrf_token_is_a_json_404(csrf_client):
    csrf_client.force_login(UserFactory(username="ada"))
    response = csrf_client.patch("/api/v1/researchers/ada/works/not-a-number", {}, content_type="application/json")
    assert response.status_code == 404 and response.json()["message"]


def test_the_csrf_failure_view_answers_json_under_the_api_and_the_portal_page_elsewhere(settings):
    settings.SUPPORT_EMAIL = "help@example.edu"
    api = handlers.csrf_failure(RequestFactory().post("/api/v1/researchers/ada/sync"), reason="CSRF cookie not set.")
    assert api.status_code == 403 and api["Content-Type"] == "application/json"
    page = handlers.csrf_failure(RequestFactory().post("/login/"), reason="CSRF cookie not set.")
    assert page.status_code == 403 and b"help@example.edu" in page.content


def test_a_sign_in_form_without_its_csrf_token_gets_the_portal_page_naming_support(csrf_client, settings):
    settings.SUPPORT_EMAIL = "help@example.edu"
    response = csrf_client.post("/login/", {"username": "ada", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "help@example.edu" in page and "site-header" in page and "The form had expired" in page


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_error_pages_use_the_portal_layout_and_name_support_email(settings, status, rf):
    settings.SUPPORT_EMAIL = "help@example.edu"
    request = rf.get("/works/")
    request.user = UserFactory.build()
    handler = {400: handlers.bad_request, 403: handlers.permission_denied, 404: handlers.page_not_found}.get(status)
    response = handler(request, Exception("x")) if handler else handlers.server_error(request)
    assert response.status_code == status
    page = response.content.decode()
    assert "help@example.edu" in page and "site-header" in page


def test_a_500_page_still_names_support_when_the_layout_cannot_be_rendered(settings, rf, monkeypatch):
    settings.SUPPORT_EMAIL = "help@example.edu"
    monkeypatch.setattr("django.shortcuts.render", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db down")))
    response = handlers.server_error(rf.get("/works/"))
    assert response.status_code == 500 and b"help@example.edu" in response.content


def test_a_nul_byte_in_an_api_path_is_a_json_400_and_audited(client):
    key = api_key_for(scopes=["works:curate"])
    response = client.get("/api/v1/researchers/ada%00/works", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 400
    assert "NUL" in response.json()["message"]
    event = ApiAuditEvent.objects.get()
    assert event.status_code == 400 and event.path == "/api/v1/researchers/ada\\x00/works"


def test_a_nul_byte_in_a_search_is_a_400_not_a_500(client):
    client.force_login(UserFactory(username="ada", is_staff=True, is_superuser=True))
    assert client.get("/admin/works/work/?q=ab%00cd").status_code == 400
    api = client.get("/api/v1/researchers/ada/works?search=%00")
    assert api.status_code == 400 and api.json()["message"]


@pytest.mark.parametrize("path", ["/api/v2/x", "/api/nope", "/api/nope/", "/api/v1/nope"])
@pytest.mark.parametrize("debug", [True, False])
def test_any_unmatched_path_under_the_api_is_a_json_404_whatever_debug_is(client, settings, path, debug):
    """Not only /api/v1/: with DEBUG on (the default) Django's HTML debug 404 never answers under
    /api/ (CONTRACT §4, §5: errors there are JSON with a message)."""
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"]


def test_a_portal_page_404_is_not_answered_by_the_api_catch_all(client, settings):
    settings.DEBUG = True
    response = client.get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    settings.DEBUG = False
    response = client.get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert settings.SUPPORT_EMAIL in response.content.decode()
