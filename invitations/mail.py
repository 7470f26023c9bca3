"""Invitation emails: plain text with an HTML alternative, through Django's mail framework
from DEFAULT_FROM_EMAIL, sent over one mail-server connection per run at a configurable rate
(INVITATION_SEND_RATE: campus mail servers throttle bulk senders)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class Throttle:
    """At most `rate` calls of `wait()` per second (0 or less: no limit). Sleeps as needed."""

    def __init__(self, rate: float, *, clock=time.monotonic, sleep=time.sleep) -> None:
        self.interval = 1.0 / rate if rate and rate > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        if not self.interval:
            return
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class Mailer:
    """One connection to the mail server for many emails; a refused email raises `MailRefused`
    with the server's reason, and the next email gets a fresh connection."""

    def __init__(self, *, rate: float) -> None:
        self.throttle = Throttle(rate)
        self._connection = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:  # closing a broken connection: nothing left to do
                logger.debug("closing the mail connection failed", exc_info=True)
            self._connection = None

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        self.throttle.wait()
        if self._connection is None:
            self._connection = get_connection(fail_silently=False)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], connection=self._connection)
        message.attach_alternative(html, "text/html")
        try:
            message.send(fail_silently=False)
        except Exception as error:  # SMTP's many refusals, timeouts and resets
            self.close()
            raise MailRefused(f"{type(error).__name__}: {error}"[:300]) from error


class MailRefused(Exception):
    pass


def invitation_email_render(*, context: dict, reminder: bool) -> tuple[str, str, str]:
    """(subject, text, html) of an invitation or a reminder."""
    context = {**context, "reminder": reminder, "support_email": settings.SUPPORT_EMAIL,
               "institution_name": settings.INSTITUTION_NAME}
    subject = ("Reminder: " if reminder else "") + f"{settings.INSTITUTION_NAME} invites you to connect your ORCID iD"
    text = render_to_string("invitations/email/invitation.txt", context)
    html = render_to_string("invitations/email/invitation.html", context)
    return subject, text, html
