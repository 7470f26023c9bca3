import pytest


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_404(client):
    response = client.patch("/api/v1/researchers/0/works/null,null")
    assert response.status_code == 404
    assert response.json()["message"]


@pytest.mark.django_db
def test_an_unexpected_failure_in_the_api_answers_json_500_without_details(client, settings, monkeypatch):
    """DEBUG off: a campus system gets a JSON error, not Django's HTML page (and no traceback)."""
    from connections import api as connections_api
    from connections.crypto import TokenDecryptionError
    from tests.fixtures.connections import OrcidConnectionFactory, api_key_for
    from tests.fixtures.works import UserFactory
    from units.models import ApiAuditEvent

    settings.DEBUG = False
    OrcidConnectionFactory(user=UserFactory(username="ada"))

    def broken(*, connection):
        raise TokenDecryptionError("A stored ORCID token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS.")

    monkeypatch.setattr(connections_api.services, "connection_access_token", broken)
    client.raise_request_exception = False
    response = client.get("/api/v1/researchers/ada/orcid",
                          HTTP_AUTHORIZATION=f"Bearer {api_key_for(scopes=['tokens:read'])}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert "TOKEN_ENCRYPTION_KEYS" not in response.content.decode()
    assert ApiAuditEvent.objects.filter(status_code=500).exists()  # still on record


@pytest.mark.django_db
def test_a_page_outside_the_api_keeps_djangos_html_errors(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    outside_v1 = client.get("/api/v2/researchers/ada/orcid")  # under /api/ but no version of it
    assert outside_v1.status_code == 404 and outside_v1.json()["message"]
