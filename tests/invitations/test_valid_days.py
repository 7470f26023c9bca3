"""INVITATION_VALID_DAYS (CONTRACT §2, default 30): an invitation made by
`manage.py invite_researchers` expires that many days after it is sent, with the default and
with the setting overridden. Checked on the stored expiry and on what the reminder run (the
job that expires old links) does just before and just after that moment; no wall-clock waits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from invitations.models import Invitation
from invitations.services import invitations_remind

pytestmark = pytest.mark.django_db


def _invite_one(invite_env) -> tuple[Invitation, dt.datetime, dt.datetime]:
    before = timezone.now()
    out = invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    after = timezone.now()
    assert "line 2: ada: invited" in out
    return Invitation.objects.get(institutional_id="ada"), before, after


def _actions_at(now: dt.datetime) -> dict[str, str]:
    return {inv.institutional_id: action for inv, action, _sent in invitations_remind(rate=0, now=now)}


def _assert_expires_after(invite_env, days: int) -> None:
    invitation, before, after = _invite_one(invite_env)
    assert invitation.sent_at is not None
    # The link's end is `days` days after it was sent (within the command's own run time).
    assert before + dt.timedelta(days=days) <= invitation.expires_at <= after + dt.timedelta(days=days)
    assert abs(invitation.expires_at - (invitation.sent_at + dt.timedelta(days=days))) < dt.timedelta(minutes=1)

    # Just before that moment the reminder run leaves the link working ...
    assert _actions_at(invitation.expires_at - dt.timedelta(minutes=1)).get("ada") != "expire"
    invitation.refresh_from_db()
    assert invitation.status in {"sent", "reminded"}
    # ... just after it, the invitation is expired.
    assert _actions_at(invitation.expires_at + dt.timedelta(minutes=1)) == {"ada": "expire"}
    invitation.refresh_from_db()
    assert invitation.status == "expired"


def test_an_invitation_expires_thirty_days_after_it_is_sent_by_default(invite_env, settings, mailoutbox):
    from django.conf import settings as live

    assert live.INVITATION_VALID_DAYS == 30  # the embedded default, not changed by the test settings
    _assert_expires_after(invite_env, 30)
    assert mailoutbox[0].to == ["ada@example.edu"]


def test_an_invitation_expires_after_the_configured_number_of_days(invite_env, settings, mailoutbox):
    settings.INVITATION_VALID_DAYS = 3
    _assert_expires_after(invite_env, 3)


def test_the_setting_is_read_when_the_invitation_is_made(invite_env, settings, mailoutbox):
    """Changing the setting later does not move the end of a link already sent."""
    settings.INVITATION_VALID_DAYS = 3
    invitation, _before, _after = _invite_one(invite_env)
    settings.INVITATION_VALID_DAYS = 60
    assert _actions_at(invitation.sent_at + dt.timedelta(days=3, minutes=1)) == {"ada": "expire"}
