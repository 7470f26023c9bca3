"""The invitation's state machine, one row per state and event, and the reminder decision."""

from __future__ import annotations

import datetime as dt

import pytest

from invitations.models import Invitation
from invitations.states import TRANSITIONS, Action, Event, TransitionRefused, next_status, reminder_action

S = Invitation.Status
ALLOWED = {
    S.SENT: {Event.SEND_OK: S.SENT, Event.SEND_FAILED: S.FAILED, Event.REMIND_OK: S.REMINDED, Event.OPEN: S.OPENED,
             Event.CONNECT: S.CONNECTED, Event.DECLINE: S.DECLINED, Event.EXPIRE: S.EXPIRED},
    S.REMINDED: {Event.SEND_FAILED: S.FAILED, Event.REMIND_OK: S.REMINDED, Event.OPEN: S.OPENED,
                 Event.CONNECT: S.CONNECTED, Event.DECLINE: S.DECLINED, Event.EXPIRE: S.EXPIRED},
    S.OPENED: {Event.SEND_FAILED: S.FAILED, Event.REMIND_OK: S.OPENED, Event.OPEN: S.OPENED,
               Event.CONNECT: S.CONNECTED, Event.DECLINE: S.DECLINED, Event.EXPIRE: S.EXPIRED},
    S.FAILED: {Event.SEND_OK: S.SENT, Event.SEND_FAILED: S.FAILED, Event.REMIND_OK: S.REMINDED, Event.OPEN: S.OPENED,
               Event.CONNECT: S.CONNECTED, Event.DECLINE: S.DECLINED, Event.EXPIRE: S.EXPIRED},
    S.DECLINED: {Event.OPEN: S.OPENED, Event.CONNECT: S.CONNECTED, Event.EXPIRE: S.EXPIRED},
    S.CONNECTED: {},
    S.EXPIRED: {},
}


@pytest.mark.parametrize("state,event", [(s, e) for s in S for e in Event])
def test_every_transition(state, event):
    expected = ALLOWED[state].get(event)
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_status(state, event)
    else:
        assert next_status(state, event) == expected


def test_the_table_holds_nothing_else():
    assert set(TRANSITIONS) == {(s, e) for s, events in ALLOWED.items() for e in events}


NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize("status,sent_ago,last_ago,reminders,expires_in,expected", [
    (S.SENT, 8, 8, 0, 20, Action.REMIND),         # a week passed
    (S.SENT, 3, 3, 0, 20, None),                  # too soon
    (S.REMINDED, 14, 7, 1, 10, Action.REMIND),    # the second reminder
    (S.REMINDED, 21, 7, 2, 10, None),             # at most two
    (S.OPENED, 8, 8, 0, 20, Action.REMIND),       # opened but not connected
    (S.FAILED, None, None, 0, 20, Action.RETRY),  # the first email never went
    (S.FAILED, 8, 1, 0, 20, Action.REMIND),       # a refused reminder: again at the next run
    (S.SENT, 31, 31, 0, -1, Action.EXPIRE),
    (S.DECLINED, 8, 8, 0, 20, None),              # they said no
    (S.CONNECTED, 8, 8, 0, 20, None),
    (S.EXPIRED, 40, 40, 2, -10, None),
])
def test_reminder_decision(status, sent_ago, last_ago, reminders, expires_in, expected):
    assert reminder_action(
        status=status, sent_at=NOW - sent_ago * DAY if sent_ago is not None else None,
        last_sent_at=NOW - last_ago * DAY if last_ago is not None else None, reminders=reminders,
        expires_at=NOW + expires_in * DAY, now=NOW, reminder_days=7, max_reminders=2,
    ) == expected


def test_the_throttle_spaces_emails_at_the_configured_rate():
    from invitations.mail import Throttle

    clock = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    throttle = Throttle(4, clock=lambda: clock[0], sleep=sleep)
    for _ in range(5):
        throttle.wait()
    assert clock[0] == pytest.approx(1.0) and len(slept) == 4
    unlimited = Throttle(0, clock=lambda: 0.0, sleep=sleep)
    unlimited.wait()
    assert len(slept) == 4
