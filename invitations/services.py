"""Writes and rules of invitations: invite the people of a file (or of an admin selection),
remind those who have not acted, open a personal link, and follow the connection's events.

Every email goes through `invitations.mail.Mailer` (one connection, INVITATION_SEND_RATE); a
refusal of the mail server is recorded on the invitation (`failed`) and retried by the next
reminder run, never raised to the caller.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from connections.models import OrcidConnection

from . import states
from .links import link_new, link_url
from .mail import Mailer, MailRefused, invitation_email_render
from .models import Invitation, InvitationSettings
from .orcid_inbox import orcid_inbox_notify
from .rows import InviteRow, RowOutcome

logger = logging.getLogger(__name__)
S = Invitation.Status


def _person(institutional_id: str):
    """(user or None, their connection or None)."""
    user = get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()
    if user is None:
        return None, None
    return user, OrcidConnection.objects.filter(user=user).first()


def _items_on_file(user) -> dict[str, int]:
    if user is None:
        return {"works": 0, "employments": 0}
    from employments.models import Employment
    from works.models import Work

    return {
        "works": Work.objects.filter(researcher=user, removed_at__isnull=True).count(),
        "employments": Employment.objects.filter(researcher=user, removed_at__isnull=True).count(),
    }


def _known_orcid(connection: OrcidConnection | None) -> str:
    """The iD of a connection the person revoked or let expire (ORCID inbox worth a try)."""
    if connection is not None and connection.status in (OrcidConnection.Status.REVOKED, OrcidConnection.Status.EXPIRED):
        return connection.orcid
    return ""


def invitation_email_send(*, invitation: Invitation, mailer: Mailer, reminder: bool, user=None) -> bool:
    """Email the invitation (or a reminder) and record the outcome: `sent`/`reminded`, or
    `failed` with the mail server's reason. Returns whether the email went out."""
    user = user if user is not None else _person(invitation.institutional_id)[0]
    context = {
        "given_names": invitation.given_names, "family_names": invitation.family_names,
        "institutional_id": invitation.institutional_id, "unit_name": invitation.unit.name,
        "link": link_url(link_id=invitation.link_id), "expires_at": invitation.expires_at,
        "orcid_known": invitation.orcid_notified, **_items_on_file(user),
    }
    subject, text, html = invitation_email_render(context=context, reminder=reminder)
    try:
        mailer.send(to=invitation.email, subject=subject, text=text, html=html)
    except MailRefused as refusal:
        logger.warning("Invitation email to %s refused: %s", invitation.institutional_id, refusal)
        states.mark_send_failed(invitation, error=str(refusal))
        return False
    if reminder:
        states.mark_reminded(invitation)
    else:
        states.mark_sent(invitation)
    return True


def _open_invitation(institutional_id: str, now: dt.datetime) -> Invitation | None:
    """The person's open invitation, expiring it first when its link has run out."""
    current = Invitation.objects.select_related("unit").filter(
        institutional_id=institutional_id, status__in=Invitation.OPEN_STATUSES
    ).first()
    if current is not None and current.expires_at <= now:
        states.mark_expired(current)
        return None
    return current


def invitation_invite(*, unit, row: InviteRow, invited_by: str, mailer: Mailer) -> RowOutcome:
    """Invite one person: skipped when already connected or already invited (not expired);
    otherwise a new invitation, its email, and the ORCID inbox when the portal knows their iD."""
    now = timezone.now()
    iid = row.institutional_id.strip().lower()
    user, connection = _person(iid)
    if connection is not None and connection.status == OrcidConnection.Status.ACTIVE:
        return RowOutcome(row.line, iid, RowOutcome.SKIPPED, f"already connected ({connection.orcid})")
    current = _open_invitation(iid, now)
    if current is not None:
        return RowOutcome(row.line, iid, RowOutcome.SKIPPED,
                          f"already invited on {current.created_at:%Y-%m-%d} by {current.unit.code} ({current.status})")
    link_id, token_hash = link_new()
    invitation = Invitation(
        unit=unit, institutional_id=iid, email=row.email, given_names=row.given_names, family_names=row.family_names,
        status=states.initial_status(), link_id=link_id, token_hash=token_hash, invited_by=invited_by[:150],
        expires_at=now + dt.timedelta(days=InvitationSettings.valid_days()),
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:  # invited meanwhile by another run
        return RowOutcome(row.line, iid, RowOutcome.SKIPPED, "already invited")
    note = _orcid_inbox(invitation, _known_orcid(connection))
    if not invitation_email_send(invitation=invitation, mailer=mailer, reminder=False, user=user):
        return RowOutcome(row.line, iid, RowOutcome.FAILED,
                          f"the mail server refused: {invitation.last_error}; retried at the next reminder run{note}")
    return RowOutcome(row.line, iid, RowOutcome.INVITED, note.lstrip("; "))


def _orcid_inbox(invitation: Invitation, orcid: str) -> str:
    if not orcid:
        return ""
    put_code = orcid_inbox_notify(orcid=orcid, link=link_url(link_id=invitation.link_id), unit_name=invitation.unit.name)
    if put_code is None:
        return f"; ORCID inbox of {orcid} not reached"
    invitation.orcid_notified, invitation.orcid_notification_put_code = orcid, put_code
    invitation.save(update_fields=["orcid_notified", "orcid_notification_put_code", "updated_at"])
    return f"; also in the ORCID inbox of {orcid}"


def invitations_invite(
    *, unit, rows: Iterable[InviteRow | RowOutcome], invited_by: str, rate: float | None = None,
    progress: Callable[[RowOutcome], None] | None = None,
) -> Iterator[RowOutcome]:
    """Invite each row (rejected rows pass through as they are), yielding one outcome per row in
    the file's order. Rows are handled one at a time: memory stays flat whatever the count."""
    with Mailer(rate=InvitationSettings.send_rate() if rate is None else rate) as mailer:
        for row in rows:
            outcome = row if isinstance(row, RowOutcome) else invitation_invite(
                unit=unit, row=row, invited_by=invited_by, mailer=mailer
            )
            if progress is not None:
                progress(outcome)
            yield outcome


def invitations_remind(*, rate: float | None = None, now: dt.datetime | None = None) -> Iterator[tuple[Invitation, str, bool]]:
    """Expire the invitations whose link ran out, send again the emails the mail server refused,
    and remind those who have neither connected nor declined (INVITATION_REMINDER_DAYS apart, at
    most INVITATION_MAX_REMINDERS times). Yields (invitation, action, email went out)."""
    now = now or timezone.now()
    days, most = InvitationSettings.reminder_days(), InvitationSettings.max_reminders()
    candidates = (
        Invitation.objects.select_related("unit")
        .filter(status__in=[S.SENT, S.REMINDED, S.OPENED, S.FAILED])
        .order_by("pk")
    )
    with Mailer(rate=InvitationSettings.send_rate() if rate is None else rate) as mailer:
        for invitation in candidates.iterator(chunk_size=500):
            action = states.reminder_action(
                status=invitation.status, sent_at=invitation.sent_at, last_sent_at=invitation.last_sent_at,
                reminders=invitation.reminders, expires_at=invitation.expires_at, now=now,
                reminder_days=days, max_reminders=most,
            )
            if action is None:
                continue
            if action == states.Action.EXPIRE:
                states.mark_expired(invitation)
                yield invitation, action.value, False
                continue
            sent = invitation_email_send(invitation=invitation, mailer=mailer, reminder=action == states.Action.REMIND)
            yield invitation, action.value, sent


# ---------------------------------------------------------------------------------------------
# Following the connection's events (invitations/signals.py calls these after the commit).
# ---------------------------------------------------------------------------------------------

def invitations_mark_connected(*, user) -> int:
    """The person connected their iD: their open invitation is `connected`. Returns how many."""
    done = 0
    for invitation in Invitation.objects.filter(
        institutional_id=user.get_username().lower(), status__in=Invitation.OPEN_STATUSES
    ):
        states.mark_connected(invitation)
        done += 1
    return done


def invitations_mark_declined(*, user) -> int:
    """The person denied access on ORCID: their open, not yet connected invitation is `declined`."""
    done = 0
    for invitation in Invitation.objects.filter(
        institutional_id=user.get_username().lower(), status__in=[S.SENT, S.REMINDED, S.OPENED, S.FAILED]
    ):
        states.mark_declined(invitation)
        done += 1
    return done


@dataclass(frozen=True)
class LinkCheck:
    """What a followed link leads to: `ok` with the invitation, or why it is refused."""

    OK = "ok"
    TAMPERED = "tampered"  # altered, made up, or of an invitation that no longer exists
    EXPIRED = "expired"
    USED = "used"
    SOMEONE_ELSE = "someone_else"

    outcome: str
    invitation: Invitation | None = None


def invitation_check_link(*, token: str, user) -> LinkCheck:
    """What the signed-in `user` may do with the link `token`: only the invited institutional
    ID may use it, only before it expires, and only until they connected through it. Checking
    changes nothing, except that a link found past its date is recorded `expired`."""
    from .links import link_is_authentic, link_token_hash

    if not link_is_authentic(token):
        return LinkCheck(LinkCheck.TAMPERED)
    invitation = Invitation.objects.select_related("unit").filter(token_hash=link_token_hash(token)).first()
    if invitation is None:
        return LinkCheck(LinkCheck.TAMPERED)
    if invitation.institutional_id != user.get_username().lower():
        return LinkCheck(LinkCheck.SOMEONE_ELSE)
    if invitation.status == S.CONNECTED:
        return LinkCheck(LinkCheck.USED, invitation)
    if invitation.status != S.EXPIRED and invitation.expires_at <= timezone.now():
        states.mark_expired(invitation)
    if invitation.status == S.EXPIRED:
        return LinkCheck(LinkCheck.EXPIRED, invitation)
    return LinkCheck(LinkCheck.OK, invitation)


def invitation_open(*, invitation: Invitation) -> Invitation:
    """The invitee followed their link: `opened` (a declined one too: they may change their mind)."""
    if invitation.status != S.OPENED:
        states.mark_opened(invitation)
    return invitation


def invitation_orcid_prefill(*, invitation: Invitation) -> dict[str, str]:
    """The parameters that pre-fill ORCID's sign-in/registration form (ORCID's documented
    `given_names`, `family_names`, `email`; `orcid` when the portal knows their iD).
    https://info.orcid.org/documentation/integration-guide/customizing-the-sign-in-register-screen/"""
    params = {"given_names": invitation.given_names, "family_names": invitation.family_names,
              "email": invitation.email}
    params = {key: value for key, value in params.items() if value}
    known = _known_orcid(_person(invitation.institutional_id)[1])
    if known:
        params["orcid"] = known
    else:
        # Most invitees have no iD yet: open on the (pre-filled) registration form; ORCID
        # still offers sign-in, and fills it from the email when the address is known there.
        params["show_login"] = "false"
    return params
