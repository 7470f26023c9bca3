"""The researcher's "Sync now" (POST /orcid/sync/): their own record only, CSRF, throttled."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from putcodes.models import SyncRun
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_sync_now_needs_a_signed_in_researcher_and_a_post(client):
    assert client.post(reverse("orcid-sync-now")).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(reverse("orcid-sync-now")).status_code == 405
    assert SyncRun.objects.count() == 0


def test_sync_now_is_refused_without_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(UserFactory())
    assert csrf_client.post(reverse("orcid-sync-now")).status_code == 403


def test_sync_now_syncs_only_the_signed_in_researcher_and_is_throttled(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("orcid-sync-now"), {"next": "/works/"})
    assert response.status_code == 302 and response.url == "/works/"
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.PORTAL and run.triggered_by == user.username
    client.post(reverse("orcid-sync-now"))
    assert SyncRun.objects.count() == 1  # a second click within the interval starts nothing


def test_sync_now_never_redirects_off_site(client):
    client.force_login(UserFactory())
    response = client.post(reverse("orcid-sync-now"), {"next": "https://evil.example/"})
    assert response.url == reverse("dashboard")


def test_sync_now_writes_the_researchers_approved_works(sync_env, client, background_runs):
    researcher, connection = sync_env.researcher(works=2)
    client.force_login(researcher)
    for page in (reverse("dashboard"), reverse("works:list")):
        assert "Sync with ORCID now" in client.get(page).content.decode(), page
    response = client.post(reverse("orcid-sync-now"), follow=True)
    assert "about to start" in response.content.decode()  # answered before the run
    assert sync_env.orcid_works(connection.orcid) == []
    background_runs.finish()
    page = client.get(reverse("dashboard")).content.decode()
    assert "2 works added to your ORCID record." in page
    assert len(sync_env.orcid_works(connection.orcid)) == 2


def test_a_researcher_without_a_connection_is_not_offered_a_sync(client):
    client.force_login(UserFactory())
    for page in (reverse("dashboard"), reverse("works:list")):
        assert "Sync with ORCID now" not in client.get(page).content.decode(), page
