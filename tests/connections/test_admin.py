import pytest
from django.urls import reverse

from tests.fixtures.connections import OrcidConnectionFactory, api_key_for
from tests.fixtures.works import UserFactory
from units.models import ApiAuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_connection_admin_never_shows_a_token(admin_client):
    connection = OrcidConnectionFactory()
    for url in (
        reverse("admin:connections_orcidconnection_changelist"),
        reverse("admin:connections_orcidconnection_change", args=[connection.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert connection.orcid in html
        assert connection.access_token not in html and connection.refresh_token not in html
        assert connection.access_token_encrypted not in html
    assert "stored (encrypted)" in html


def test_the_api_audit_log_is_read_only_for_admins(admin_client):
    OrcidConnectionFactory(user=UserFactory(username="ada"))
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key_for(scopes=['tokens:read'])}")
    api.get("/api/v1/researchers/ada/orcid")
    event = ApiAuditEvent.objects.get()
    changelist = admin_client.get(reverse("admin:units_apiauditevent_changelist"))
    assert changelist.status_code == 200 and "/api/v1/researchers/ada/orcid" in changelist.content.decode()
    assert admin_client.get(reverse("admin:units_apiauditevent_add")).status_code == 403
    admin_client.post(reverse("admin:units_apiauditevent_delete", args=[event.pk]), {"post": "yes"})
    assert ApiAuditEvent.objects.filter(pk=event.pk).exists()


def test_the_api_key_admin_shows_prefixes_only(admin_client):
    key = api_key_for(scopes=["tokens:read"])
    html = admin_client.get(reverse("admin:units_apikey_changelist")).content.decode()
    assert key.split("_")[1] in html
    assert key.split("_", 2)[2] not in html


def test_refreshing_tokens_from_the_admin_needs_the_change_permission(client, monkeypatch):
    from django.contrib.auth.models import Permission

    from connections import admin as connections_admin

    calls = []
    monkeypatch.setattr(connections_admin.services, "connection_access_token",
                        lambda *, connection: calls.append(connection.pk) or "token")
    connection = OrcidConnectionFactory()
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_orcidconnection"))
    client.force_login(viewer)
    changelist = reverse("admin:connections_orcidconnection_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "refresh_tokens_now", "_selected_action": [connection.pk]})
    assert calls == []  # a view-only staff member makes no call to ORCID and changes no token


def test_the_admin_filters_connections_waiting_on_their_record(admin_client):
    locked = OrcidConnectionFactory(status="locked")
    merged = OrcidConnectionFactory(status="deprecated", primary_orcid="0000-0001-5109-3700")
    active = OrcidConnectionFactory()
    url = reverse("admin:connections_orcidconnection_changelist")
    html = admin_client.get(url, {"status__exact": "locked"}).content.decode()
    assert locked.orcid in html and merged.orcid not in html and active.orcid not in html
    html = admin_client.get(url, {"status__exact": "deprecated"}).content.decode()
    assert merged.orcid in html and "0000-0001-5109-3700" in html and locked.orcid not in html
    assert merged.orcid in admin_client.get(url, {"q": "0000-0001-5109-3700"}).content.decode()
