"""notifications/services.py: researcher emails, each event at most once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import Notification
from notifications.services import (
    notification_send,
    notify_connection_revoked,
    user_email_from_sign_in,
    user_email_set,
)
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


def send(user, key="event-1"):
    return notification_send(
        user=user, kind=Notification.Kind.ITEMS_FIRST_WRITTEN, event_key=key, subject="Hello",
        template="notifications/email/connection_revoked.txt",
        context={"connection": None, "reconnect_url": "http://portal/orcid/connect/", "institution_name": "U"},
    )


def test_the_same_event_is_emailed_once():
    user = UserFactory(email="ada@example.edu")
    assert send(user) is not None
    assert send(user) is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ada@example.edu"]
    assert send(user, key="event-2") is not None
    assert len(mail.outbox) == 2


def test_no_address_no_email_and_nothing_recorded():
    user = UserFactory(email="")
    assert send(user) is None
    assert not Notification.objects.exists()


def test_a_failed_send_can_be_retried(monkeypatch):
    user = UserFactory(email="ada@example.edu")

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("notifications.services.send_mail", broken)
    assert send(user) is None
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert send(user) is not None


def test_revoked_connection_email_links_to_reconnect(settings):
    from connections.models import OrcidConnection

    settings.PORTAL_BASE_URL = "https://orcid.example.edu"
    user = UserFactory(email="ada@example.edu")
    connection = OrcidConnection.objects.create(
        user=user, orcid="0000-0002-1825-0097", status="revoked", connected_at=timezone.now()
    )
    assert notify_connection_revoked(connection=connection) is not None
    assert notify_connection_revoked(connection=connection) is None
    (email,) = mail.outbox
    assert "https://orcid.example.edu/orcid/connect/" in email.body
    assert "0000-0002-1825-0097" in email.body


def test_an_active_connection_is_not_reported_revoked():
    from connections.models import OrcidConnection

    user = UserFactory(email="ada@example.edu")
    connection = OrcidConnection.objects.create(user=user, orcid="0000-0002-1825-0097", connected_at=timezone.now())
    assert notify_connection_revoked(connection=connection) is None
    assert not mail.outbox


def test_email_set_on_the_dashboard_is_validated():
    user = UserFactory(email="")
    with pytest.raises(ValidationError):
        user_email_set(user=user, email="not-an-address")
    user_email_set(user=user, email=" ada@example.edu ")
    user.refresh_from_db()
    assert user.email == "ada@example.edu"


def test_sso_header_gives_the_address_only_behind_the_proxy_and_only_when_none_is_set(settings):
    settings.PORTAL_REMOTE_EMAIL_HEADER = "X-Remote-Mail"
    settings.PORTAL_REMOTE_USER_HEADER = ""
    user = UserFactory(email="")
    meta = {"HTTP_X_REMOTE_MAIL": "ada@stanford.edu;ada.l@stanford.edu"}
    assert not user_email_from_sign_in(user=user, meta=meta)

    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    assert user_email_from_sign_in(user=user, meta=meta)
    assert user.email == "ada@stanford.edu"

    user_email_set(user=user, email="ada@home.example")
    assert not user_email_from_sign_in(user=user, meta=meta)
    assert user.email == "ada@home.example"
