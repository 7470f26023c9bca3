"""send_invitation_reminders: only those who have not acted, INVITATION_REMINDER_DAYS apart, at
most INVITATION_MAX_REMINDERS times; refused emails retried; old links expired."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from invitations import states
from invitations.models import Invitation

pytestmark = pytest.mark.django_db


def _age(days: float, **filters) -> None:
    """Move the invitations' emails `days` into the past."""
    for invitation in Invitation.objects.filter(**filters):
        invitation.last_sent_at -= dt.timedelta(days=days)
        invitation.sent_at -= dt.timedelta(days=days)
        invitation.save(update_fields=["last_sent_at", "sent_at"])


@pytest.fixture
def five(invite_env, mailoutbox):
    invite_env.invite(invite_env.csv([(name, f"{name}@example.edu", name.title(), "X")
                                      for name in ("ann", "ben", "cat", "dan", "eli")]))
    by = {i.institutional_id: i for i in Invitation.objects.all()}
    states.mark_opened(by["ben"])
    states.mark_connected(by["cat"])
    states.mark_declined(by["dan"])
    mailoutbox.clear()
    return by


def test_reminders_go_only_to_those_who_have_not_acted(invite_env, five, mailoutbox, settings):
    settings.INVITATION_REMINDER_DAYS, settings.INVITATION_MAX_REMINDERS = 7, 2
    assert invite_env.remind().splitlines()[-1] == "reminded=0 resent=0 expired=0 failed=0"  # too soon
    _age(7.1)
    out = invite_env.remind()
    assert sorted(m.to[0] for m in mailoutbox) == ["ann@example.edu", "ben@example.edu", "eli@example.edu"]
    assert all(m.subject.startswith("Reminder: ") for m in mailoutbox)
    assert out.splitlines()[-1] == "reminded=3 resent=0 expired=0 failed=0"
    assert dict(Invitation.objects.values_list("institutional_id", "status")) == {
        "ann": "reminded", "ben": "opened", "cat": "connected", "dan": "declined", "eli": "reminded"}
    # The same link as in the first email.
    assert invite_env.invite  # noqa: B018
    assert invite_env.remind().splitlines()[-1].startswith("reminded=0")  # not again the same day
    _age(7.1)
    invite_env.remind()
    _age(7.1)
    invite_env.remind()  # a third is not sent: at most two
    assert Invitation.objects.get(institutional_id="ann").reminders == 2
    assert len(mailoutbox) == 6


def test_a_reminder_carries_the_same_link(invite_env, mailoutbox):
    invite_env.invite(invite_env.csv([("ann", "ann@example.edu", "Ann", "X")]))
    _age(8)
    invite_env.remind()
    assert invite_env.link_path(mailoutbox[0]) == invite_env.link_path(mailoutbox[1])


def test_a_refused_email_is_retried_at_the_next_run(invite_env, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.fixtures.invitations.RefusingBackend"
    invite_env.invite(invite_env.csv([("ann", "ann@refused.example", "Ann", "X")]))
    assert Invitation.objects.get().status == "failed"
    out = invite_env.remind()
    assert "ann: retry failed (SMTPRecipientsRefused" in out and out.endswith("failed=1\n")
    Invitation.objects.update(email="ann@example.edu")
    assert invite_env.remind().splitlines()[-1] == "reminded=0 resent=1 expired=0 failed=0"
    invitation = Invitation.objects.get()
    assert invitation.status == "sent" and invitation.sent_at and invitation.last_error == ""
    assert [m.to for m in mailoutbox] == [["ann@example.edu"]]


def test_links_past_their_date_are_expired_and_not_reminded(invite_env, five, mailoutbox):
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    _age(8)
    assert invite_env.remind().splitlines()[-1] == "reminded=0 resent=0 expired=3 failed=0"
    assert not mailoutbox
    assert dict(Invitation.objects.values_list("institutional_id", "status")) == {
        "ann": "expired", "ben": "expired", "cat": "connected", "dan": "declined", "eli": "expired"}


def test_the_beat_entry_exists_and_runs_the_reminders(invite_env, five, mailoutbox):
    from django_celery_beat.models import PeriodicTask

    from invitations.tasks import send_reminders_task

    entry = PeriodicTask.objects.get(name="Invitation reminders")
    assert entry.task == "invitations.send_reminders" and entry.enabled
    _age(8)
    assert send_reminders_task.apply().get() == 3
