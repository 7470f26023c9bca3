"""Emails to researchers (Django's mail framework; the console backend in development).

Each email is one event, named by an `event_key`; the unique (user, event_key) row is taken
before the email goes out, so two workers noticing the same event send it once. Call these
after the transaction that produced the event commits (`transaction.on_commit`): an email
cannot be taken back if the transaction rolls back.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)

REVOKED_STATUSES = ("revoked", "expired")


def portal_url(name: str, fallback: str) -> str:
    """An absolute link into the portal, at PORTAL_BASE_URL (emails have no request)."""
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = fallback
    return f"{settings.PORTAL_BASE_URL}{path}"


def notification_send(*, user, kind: str, event_key: str, subject: str, template: str, context: dict) -> Notification | None:
    """Email `user` about the event `event_key`, unless they were already told or have no address.

    Returns the Notification sent, or None when nothing was sent (no address, already sent,
    or the mail server refused: then no row is kept, so a later attempt sends it).
    """
    address = (user.email or "").strip()
    if not address:
        logger.info("No email address for %s; %s not sent", user.username, kind)
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, event_key=event_key[:200], to_address=address, subject=subject[:300]
            )
    except IntegrityError:
        return None  # already sent (or being sent) for this event
    body = render_to_string(template, {**context, "user": user, "portal_base_url": settings.PORTAL_BASE_URL,
                                       "support_email": settings.SUPPORT_EMAIL})  # CONTRACT: in every email
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:  # the mail server's many ways to fail; the event is retried later
        logger.warning("Could not email %s about %s", user.username, kind, exc_info=True)
        notification.delete()
        return None
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
    logger.info("Emailed %s: %s", user.username, kind)
    return notification


def notify_items_first_written(*, researcher) -> Notification | None:
    """Tell the researcher, once per ORCID iD, that the institution wrote items to their record."""
    from connections.selectors import connection_for_user
    from putcodes.models import OrcidItem

    connection = connection_for_user(user=researcher)
    if connection is None:
        return None
    on_orcid = OrcidItem.objects.filter(researcher=researcher, orcid=connection.orcid, state=OrcidItem.State.ON_ORCID)
    counts = {kind: on_orcid.filter(kind=kind).count() for kind in OrcidItem.Kind.values}
    if not any(counts.values()):
        return None
    return notification_send(
        user=researcher,
        kind=Notification.Kind.ITEMS_FIRST_WRITTEN,
        event_key=f"items-first-written:{connection.orcid}",
        subject=f"{settings.INSTITUTION_NAME} added items to your ORCID record",
        template="notifications/email/items_first_written.txt",
        context={
            "connection": connection,
            "works": counts.get(OrcidItem.Kind.WORK, 0),
            "employments": counts.get(OrcidItem.Kind.EMPLOYMENT, 0),
            "dashboard_url": portal_url("dashboard", "/"),
            "works_url": portal_url("works", "/works/"),
            "institution_name": settings.INSTITUTION_NAME,
        },
    )


def notify_connection_revoked(*, connection) -> Notification | None:
    """Tell the researcher that the portal can no longer update their record, with a link to
    reconnect; once per connection (a reconnect followed by a new revocation is a new event)."""
    if connection.status not in REVOKED_STATUSES:
        return None
    episode = connection.connected_at.isoformat() if connection.connected_at else "unknown"
    return notification_send(
        user=connection.user,
        kind=Notification.Kind.CONNECTION_REVOKED,
        event_key=f"connection-revoked:{connection.pk}:{episode}",
        subject=f"{settings.INSTITUTION_NAME} can no longer update your ORCID record",
        template="notifications/email/connection_revoked.txt",
        context={
            "connection": connection,
            "reconnect_url": portal_url("orcid-connect", "/orcid/connect/"),
            "institution_name": settings.INSTITUTION_NAME,
        },
    )


def notify_connection_deprecated(*, connection) -> Notification | None:
    """Tell the researcher that ORCID merged their record into another iD (`primary_orcid`) and
    ask them to connect that one; once per (connection, primary iD)."""
    if connection.status != "deprecated":
        return None
    return notification_send(
        user=connection.user,
        kind=Notification.Kind.CONNECTION_DEPRECATED,
        event_key=f"connection-deprecated:{connection.pk}:{connection.orcid}:{connection.primary_orcid or 'unknown'}",
        subject=f"Your ORCID record was merged: please connect your current iD to {settings.INSTITUTION_NAME}",
        template="notifications/email/connection_deprecated.txt",
        context={
            "connection": connection,
            "connect_url": portal_url("orcid-connect", "/orcid/connect/"),
            "institution_name": settings.INSTITUTION_NAME,
        },
    )


def user_email_set(*, user, email: str) -> None:
    """Set the address the portal writes to. Raises ValidationError for a malformed one;
    an empty value clears it (no emails then)."""
    email = (email or "").strip()
    if email:
        validate_email(email)
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])


def user_email_from_sign_in(*, user, meta: dict) -> bool:
    """Take the researcher's address from the SSO proxy's header (PORTAL_REMOTE_EMAIL_HEADER)
    when they have none yet; an address they set on the dashboard is kept. Returns whether it
    was set. Only trusted behind the proxy, i.e. when PORTAL_REMOTE_USER_HEADER is set too."""
    header = settings.PORTAL_REMOTE_EMAIL_HEADER
    if not header or not settings.PORTAL_REMOTE_USER_HEADER or user.email:
        return False
    value = (meta.get("HTTP_" + header.upper().replace("-", "_")) or "").strip()
    # Shibboleth joins several values with ';': the first is the primary address.
    value = value.split(";")[0].strip()
    try:
        user_email_set(user=user, email=value)
    except ValidationError:
        logger.warning("The SSO header %s held no valid address for %s", header, user.username)
        return False
    return bool(value)
