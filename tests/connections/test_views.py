"""The dashboard, the disconnect confirmation and the About ORCID page."""

import pytest
from django.urls import reverse

from connections.models import OrcidConnection
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    return user


def test_the_dashboard_offers_to_connect_when_not_connected(client, ada):
    html = client.get(reverse("dashboard")).content.decode()
    assert "Not connected" in html
    assert reverse("orcid-connect") in html


def test_the_dashboard_shows_the_id_as_orcid_asks(client, ada, settings):
    settings.ORCID_BASE_URL = "https://sandbox.orcid.org"
    connection = OrcidConnectionFactory(user=ada, orcid="0000-0002-1825-0097")
    html = client.get(reverse("dashboard")).content.decode()
    assert '<a href="https://sandbox.orcid.org/0000-0002-1825-0097"' in html
    assert "https://sandbox.orcid.org/0000-0002-1825-0097</span>" in html  # the full URI is the link text
    assert "orcid-id.svg" in html and "authenticated" in html
    assert "Connected since" in html and "Add and update works and employment" in html
    assert reverse("orcid-disconnect") in html
    assert connection.access_token not in html


def test_a_revoked_connection_asks_to_reconnect(client, ada):
    OrcidConnectionFactory(user=ada, revoked=True)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Reconnect your ORCID iD" in html
    assert "revoked on ORCID" in html


def test_disconnect_first_asks_about_the_institutions_items(client, ada):
    OrcidConnectionFactory(user=ada)
    page = client.get(reverse("orcid-disconnect"))
    html = page.content.decode()
    assert "Keep them on my ORCID record" in html and "Remove them from my ORCID record" in html
    unanswered = client.post(reverse("orcid-disconnect"), {})
    assert unanswered.status_code == 200
    assert "Please choose whether to keep or remove the items." in unanswered.content.decode()
    assert OrcidConnection.objects.get(user=ada).status == "active"


def test_disconnect_confirmed_ends_on_the_dashboard(client, ada, orcid_simulator):
    record = orcid_simulator.create_record(name="Ada")
    OrcidConnectionFactory(user=ada, orcid=record["orcid"], access_token_plain=record["access_token"],
                           refresh_token_plain=record["refresh_token"])
    response = client.post(reverse("orcid-disconnect"), {"remove_items": "no"}, follow=True)
    assert "Your ORCID iD is disconnected" in response.content.decode()
    assert OrcidConnection.objects.get(user=ada).status == "disconnected"
    assert "Not connected" in response.content.decode()


def test_about_orcid_says_what_is_read_and_written_and_how_to_revoke(client):
    html = client.get(reverse("about-orcid")).content.decode()
    for words in ("What ORCID is", "reads from your ORCID record", "writes to your ORCID record",
                  "Trusted parties", "Disconnect", "/activities/update"):
        assert words in html
    assert "cdn" not in html.lower()


def test_a_locked_record_says_the_items_wait_and_there_is_nothing_to_do(client, ada):
    OrcidConnectionFactory(user=ada, status=OrcidConnection.Status.LOCKED)
    html = client.get(reverse("dashboard")).content.decode()
    assert 'data-status="locked"' in html
    assert "Your ORCID record is locked" in html
    assert "nothing to do" in html
    assert "Reconnect your ORCID iD" not in html


def test_a_deactivated_record_says_the_items_wait(client, ada):
    OrcidConnectionFactory(user=ada, status=OrcidConnection.Status.DEACTIVATED)
    html = client.get(reverse("dashboard")).content.decode()
    assert "Your ORCID record is deactivated" in html
    assert "reactivate" in html


def test_a_deprecated_record_asks_to_connect_the_primary_id(client, ada, settings):
    settings.ORCID_BASE_URL = "https://sandbox.orcid.org"
    OrcidConnectionFactory(user=ada, orcid="0000-0002-1825-0097", status=OrcidConnection.Status.DEPRECATED,
                           primary_orcid="0000-0001-5109-3700")
    html = client.get(reverse("dashboard")).content.decode()
    assert "merged into another iD" in html
    assert "https://sandbox.orcid.org/0000-0001-5109-3700" in html
    assert "Connect 0000-0001-5109-3700" in html
    assert reverse("orcid-connect") in html


def test_the_researcher_is_emailed_once_when_orcid_merges_their_record(ada, mailoutbox, django_capture_on_commit_callbacks):
    from connections import services

    ada.email = "ada@example.org"
    ada.save()
    connection = OrcidConnectionFactory(user=ada, orcid="0000-0002-1825-0097")
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_mark_deprecated(connection=connection, primary_orcid="0000-0001-5109-3700")
    with django_capture_on_commit_callbacks(execute=True):  # seen again by the next run: no second email
        services.connection_mark_deprecated(connection=connection, primary_orcid="0000-0001-5109-3700")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ada@example.org"]
    assert "0000-0001-5109-3700" in mailoutbox[0].body and "/orcid/connect/" in mailoutbox[0].body
