"""notifications/signals.py: the events are noticed wherever they happen."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.cache import cache

from connections.services import connection_mark_revoked
from putcodes.models import OrcidItem
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def written(employment, orcid, put_code):
    return OrcidItem.objects.create(
        unit=employment.unit, researcher=employment.researcher, orcid=orcid, kind="employment",
        local_id=employment.local_id, employment=employment, put_code=put_code, state="on_orcid",
    )


def test_first_items_written_email_goes_once(django_capture_on_commit_callbacks, settings):
    settings.PORTAL_BASE_URL = "https://orcid.example.edu"
    ada = UserFactory(username="ada", email="ada@example.edu")
    connection = OrcidConnectionFactory(user=ada)
    with django_capture_on_commit_callbacks(execute=True):
        written(EmploymentFactory(researcher=ada), connection.orcid, 1)
        written(EmploymentFactory(researcher=ada), connection.orcid, 2)
    with django_capture_on_commit_callbacks(execute=True):
        written(EmploymentFactory(researcher=ada), connection.orcid, 3)
    (email,) = mail.outbox
    assert email.to == ["ada@example.edu"]
    assert "2 employments" in email.body and connection.orcid in email.body
    assert "https://orcid.example.edu/" in email.body


def test_pending_items_send_nothing(django_capture_on_commit_callbacks):
    ada = UserFactory(username="ada", email="ada@example.edu")
    OrcidConnectionFactory(user=ada)
    employment = EmploymentFactory(researcher=ada)
    with django_capture_on_commit_callbacks(execute=True):
        OrcidItem.objects.create(unit=employment.unit, researcher=ada, orcid="x", kind="employment",
                                 local_id=employment.local_id, employment=employment)
    assert not mail.outbox


def test_revoked_connection_emails_a_reconnect_link_once(django_capture_on_commit_callbacks):
    ada = UserFactory(username="ada", email="ada@example.edu")
    connection = OrcidConnectionFactory(user=ada)
    with django_capture_on_commit_callbacks(execute=True):
        connection_mark_revoked(connection=connection, reason="invalid_token")
    with django_capture_on_commit_callbacks(execute=True):
        connection_mark_revoked(connection=connection, reason="invalid_token")
    (email,) = mail.outbox
    assert "/orcid/connect/" in email.body


def test_sso_sign_in_brings_the_address(client, settings):
    from django.contrib.auth import get_user_model

    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTAL_REMOTE_EMAIL_HEADER = "X-Remote-Mail"
    client.get("/", HTTP_X_REMOTE_USER="ada", HTTP_X_REMOTE_MAIL="ada@stanford.edu")
    assert get_user_model().objects.get(username="ada").email == "ada@stanford.edu"
