"""Every researcher email names SUPPORT_EMAIL (CONTRACT: "on every error page and in every email")."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.models import Notification
from notifications.services import notify_connection_deprecated, notify_connection_revoked, notify_items_first_written
from putcodes.models import OrcidItem
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db

SUPPORT = "orcid-help-desk@support.example.edu"


def items_first_written(ada):
    connection = OrcidConnectionFactory(user=ada)
    employment = EmploymentFactory(researcher=ada)
    OrcidItem.objects.create(
        unit=employment.unit, researcher=ada, orcid=connection.orcid, kind="employment",
        local_id=employment.local_id, employment=employment, put_code=1, state="on_orcid",
    )
    return notify_items_first_written(researcher=ada)


def connection_revoked(ada):
    return notify_connection_revoked(connection=OrcidConnectionFactory(user=ada, status="revoked"))


def connection_deprecated(ada):
    connection = OrcidConnectionFactory(user=ada, status="deprecated", primary_orcid="0000-0002-1694-233X")
    return notify_connection_deprecated(connection=connection)


SENDERS = {
    Notification.Kind.ITEMS_FIRST_WRITTEN: items_first_written,
    Notification.Kind.CONNECTION_REVOKED: connection_revoked,
    Notification.Kind.CONNECTION_DEPRECATED: connection_deprecated,
}


def test_every_kind_of_notification_is_covered():
    assert set(SENDERS) == set(Notification.Kind)


@pytest.mark.parametrize("kind", list(SENDERS))
def test_every_notification_email_names_the_support_address(kind, settings):
    settings.SUPPORT_EMAIL = SUPPORT
    ada = UserFactory(username="ada", email="ada@example.edu")
    notification = SENDERS[kind](ada)
    assert notification is not None and notification.kind == kind
    (email,) = mail.outbox
    assert f"Questions? Write to {SUPPORT}." in email.body
