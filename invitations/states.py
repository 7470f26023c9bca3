"""The invitation's state machine, written once: the table of what each event does in each
state, and one named transition per event that sets the state and exactly its fields. Nothing
else assigns `Invitation.status`.

    sent ──remind──▶ reminded ──open──▶ opened ──connect──▶ connected
      │ send failed ▶ failed ──retry ok──▶ sent          decline ▶ declined ──open──▶ opened
      └── past expires_at (any open state) ──expire──▶ expired
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from django.utils import timezone

from .models import Invitation

S = Invitation.Status


class Event(str, Enum):
    SEND_OK = "send_ok"  # the first email went out (also a retry of one that failed)
    SEND_FAILED = "send_failed"  # the mail server refused an email
    REMIND_OK = "remind_ok"  # a reminder went out
    OPEN = "open"  # the invitee followed the link, signed in as themselves
    CONNECT = "connect"  # they connected their iD
    DECLINE = "decline"  # they denied access on ORCID
    EXPIRE = "expire"  # the link ran out


OPEN = (S.SENT, S.REMINDED, S.OPENED, S.DECLINED, S.FAILED)

TRANSITIONS: dict[tuple[str, Event], str] = {
    (S.SENT, Event.SEND_OK): S.SENT,  # a new invitation is created sent, its email then goes
    (S.FAILED, Event.SEND_OK): S.SENT,
    **{(state, Event.SEND_FAILED): S.FAILED for state in (S.SENT, S.REMINDED, S.OPENED, S.FAILED)},
    (S.SENT, Event.REMIND_OK): S.REMINDED,
    (S.REMINDED, Event.REMIND_OK): S.REMINDED,
    (S.OPENED, Event.REMIND_OK): S.OPENED,  # they opened it earlier: that stays visible
    (S.FAILED, Event.REMIND_OK): S.REMINDED,
    **{(state, Event.OPEN): S.OPENED for state in (S.SENT, S.REMINDED, S.OPENED, S.FAILED, S.DECLINED)},
    **{(state, Event.CONNECT): S.CONNECTED for state in OPEN},
    **{(state, Event.DECLINE): S.DECLINED for state in (S.SENT, S.REMINDED, S.OPENED, S.FAILED)},
    **{(state, Event.EXPIRE): S.EXPIRED for state in OPEN},
}


class TransitionRefused(Exception):
    pass


def next_status(status: str, event: Event) -> str:
    """The state `event` leads to from `status`; TransitionRefused when it may not happen."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise TransitionRefused(f"{event.value} is not possible for an invitation that is {status}") from None


def _apply(invitation: Invitation, event: Event, **fields) -> Invitation:
    invitation.status = next_status(invitation.status, event)
    for name, value in fields.items():
        setattr(invitation, name, value)
    if invitation.pk:
        invitation.save(update_fields=["status", *fields, "updated_at"])
    return invitation


def initial_status() -> str:
    """A new invitation is `sent` from the start (its email follows at once; `sent_at` stays
    empty until the mail server took it, so the reminder run retries one that never went)."""
    return S.SENT


def mark_sent(invitation: Invitation, *, now: dt.datetime | None = None) -> Invitation:
    now = now or timezone.now()
    return _apply(invitation, Event.SEND_OK, sent_at=now, last_sent_at=now, failed_at=None, last_error="")


def mark_send_failed(invitation: Invitation, *, error: str, now: dt.datetime | None = None) -> Invitation:
    return _apply(invitation, Event.SEND_FAILED, failed_at=now or timezone.now(), last_error=error[:300])


def mark_reminded(invitation: Invitation, *, now: dt.datetime | None = None) -> Invitation:
    return _apply(invitation, Event.REMIND_OK, last_sent_at=now or timezone.now(), reminders=invitation.reminders + 1,
                  failed_at=None, last_error="")


def mark_opened(invitation: Invitation, *, now: dt.datetime | None = None) -> Invitation:
    return _apply(invitation, Event.OPEN, opened_at=invitation.opened_at or now or timezone.now())


def mark_connected(invitation: Invitation, *, now: dt.datetime | None = None) -> Invitation:
    return _apply(invitation, Event.CONNECT, connected_at=now or timezone.now())


def mark_declined(invitation: Invitation, *, now: dt.datetime | None = None) -> Invitation:
    return _apply(invitation, Event.DECLINE, declined_at=now or timezone.now())


def mark_expired(invitation: Invitation) -> Invitation:
    return _apply(invitation, Event.EXPIRE)


# ---------------------------------------------------------------------------------------------
# The reminder decision: a pure function of plain data.
# ---------------------------------------------------------------------------------------------

class Action(str, Enum):
    EXPIRE = "expire"
    RETRY = "retry"  # the first email failed: send it again
    REMIND = "remind"


def reminder_action(
    *, status: str, sent_at: dt.datetime | None, last_sent_at: dt.datetime | None, reminders: int,
    expires_at: dt.datetime, now: dt.datetime, reminder_days: int, max_reminders: int,
) -> Action | None:
    """What the reminder run does with one invitation, or None. Those who connected or declined
    are left alone; a failed email is retried at the next run; others are reminded
    `reminder_days` after the last email, at most `max_reminders` times."""
    if status not in (S.SENT, S.REMINDED, S.OPENED, S.FAILED):
        return None
    if expires_at <= now:
        return Action.EXPIRE
    if sent_at is None:
        return Action.RETRY
    if reminders >= max_reminders:
        return None
    if status == S.FAILED:
        return Action.REMIND  # a reminder the mail server refused: try again now
    if last_sent_at is None or now - last_sent_at >= dt.timedelta(days=reminder_days):
        return Action.REMIND
    return None
