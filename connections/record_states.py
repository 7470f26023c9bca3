"""The connection's record states: ORCID refusing the record itself, not the token.

ORCID answers every call on a locked record with 409 9018, on a deactivated one with 409
9044, on one never claimed with 409 9036, and on a deprecated (merged) one with 301 and the
primary record's `Location` for a GET, 409 9007 otherwise (OrcidCoreExceptionMapper,
OrcidExceptionMapper in ORCID-Source). Nothing is wrong with the items or the token: the
connection shows the state, the sync waits (one read per run to probe the record), and the
connection turns `active` again as soon as a call on the record works.

The state machine is written once, here: `RECORD_TRANSITIONS` says which status each event
leads to from each status; the named transitions below are the only writers of these
states. A revoked, expired or disconnected connection is left alone: its token is the
problem, not the record.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from orcid_client.errors import RecordDeprecated, RecordUnusable

from .models import ConnectionEvent, OrcidConnection

logger = logging.getLogger(__name__)

Status = OrcidConnection.Status

# Events, named after what ORCID said about the record.
LOCKED, NOT_CLAIMED, DEACTIVATED, DEPRECATED, USABLE = "locked", "not_claimed", "deactivated", "deprecated", "usable"
EVENTS = (LOCKED, NOT_CLAIMED, DEACTIVATED, DEPRECATED, USABLE)

_EVENT_STATUS = {
    LOCKED: Status.LOCKED,
    # "Not claimed" waits like a lock, on the researcher claiming their record on ORCID.
    NOT_CLAIMED: Status.LOCKED,
    DEACTIVATED: Status.DEACTIVATED,
    DEPRECATED: Status.DEPRECATED,
    USABLE: Status.ACTIVE,
}
_EVENT_KIND = {
    LOCKED: ConnectionEvent.Kind.RECORD_LOCKED,
    NOT_CLAIMED: ConnectionEvent.Kind.RECORD_LOCKED,
    DEACTIVATED: ConnectionEvent.Kind.RECORD_DEACTIVATED,
    DEPRECATED: ConnectionEvent.Kind.RECORD_DEPRECATED,
    USABLE: ConnectionEvent.Kind.RECORD_USABLE,
}
# (status, event) -> the status that follows. A pair not in the table changes nothing.
RECORD_TRANSITIONS: dict[tuple[str, str], str] = {
    **{(Status.ACTIVE, event): _EVENT_STATUS[event] for event in (LOCKED, NOT_CLAIMED, DEACTIVATED, DEPRECATED)},
    **{(state, event): _EVENT_STATUS[event] for state in OrcidConnection.RECORD_STATUSES for event in EVENTS},
}

_REASONS = {
    LOCKED: "ORCID locked the record (409, error 9018); items wait until ORCID unlocks it.",
    NOT_CLAIMED: "The record has not been claimed on ORCID (409, error 9036); items wait until it is.",
    DEACTIVATED: "The researcher deactivated the ORCID record (409, error 9044); items wait.",
    DEPRECATED: "ORCID merged the record into {primary} (error 9007); the researcher is asked to connect it.",
    USABLE: "",
}


def record_status_after(status: str, event: str) -> str | None:
    """The status that follows `event` from `status`, or None when the event changes nothing."""
    following = RECORD_TRANSITIONS.get((status, event))
    if following is None or (following == status and event != DEPRECATED):
        return None
    return following


def _record_transition(*, connection: OrcidConnection, event: str, primary_orcid: str = "") -> bool:
    """Carry out `event` on the connection under a row lock; True when its state changed."""
    with transaction.atomic():
        locked = OrcidConnection.objects.select_for_update().get(pk=connection.pk)
        following = record_status_after(locked.status, event)
        if following is None or (following == locked.status and locked.primary_orcid == primary_orcid):
            _copy_record_fields(locked, connection)
            return False
        previous = locked.status
        locked.status = following
        locked.status_reason = _REASONS[event].format(primary=primary_orcid or "another iD")[:500]
        locked.primary_orcid = primary_orcid if following == Status.DEPRECATED else ""
        locked.record_state_at = timezone.now() if following != Status.ACTIVE else None
        locked.save(update_fields=["status", "status_reason", "primary_orcid", "record_state_at", "updated_at"])
        detail = f"was {previous}" + (f"; primary iD {primary_orcid}" if primary_orcid else "")
        ConnectionEvent.objects.create(connection=locked, kind=_EVENT_KIND[event], orcid=locked.orcid,
                                       detail=detail[:500])
        _copy_record_fields(locked, connection)
    logger.info("ORCID connection of %s: record %s (%s -> %s)", connection.user.username, event, previous, following)
    return True


def _copy_record_fields(source: OrcidConnection, target: OrcidConnection) -> None:
    if source is not target:
        for field in ("status", "status_reason", "primary_orcid", "record_state_at", "updated_at"):
            setattr(target, field, getattr(source, field))


def connection_mark_locked(*, connection: OrcidConnection, not_claimed: bool = False) -> bool:
    """ORCID refuses the record as locked (9018), or not claimed (9036): the connection turns
    `locked` and its items wait. Returns whether the state changed."""
    return _record_transition(connection=connection, event=NOT_CLAIMED if not_claimed else LOCKED)


def connection_mark_deactivated(*, connection: OrcidConnection) -> bool:
    """ORCID refuses the record as deactivated (9044): the connection turns `deactivated`."""
    return _record_transition(connection=connection, event=DEACTIVATED)


def connection_mark_deprecated(*, connection: OrcidConnection, primary_orcid: str) -> bool:
    """ORCID merged the record into `primary_orcid` (301 / 9007): the connection turns
    `deprecated` with `primary_orcid`; a `record_deprecated` event tells the researcher (the
    dashboard and, through the notifications app, an email) to connect their primary iD."""
    return _record_transition(connection=connection, event=DEPRECATED, primary_orcid=primary_orcid or "")


def connection_mark_usable(*, connection: OrcidConnection) -> bool:
    """A call on the record worked again: a locked, deactivated or deprecated connection turns
    `active` (its items flow at the next write, their data untouched). Nothing for others."""
    if connection.status not in OrcidConnection.RECORD_STATUSES:
        return False
    return _record_transition(connection=connection, event=USABLE)


def connection_record_refused(*, connection: OrcidConnection, error: RecordUnusable) -> bool:
    """Record what ORCID said about the record (`RecordLocked`, `RecordNotClaimed`,
    `RecordDeactivated`, `RecordDeprecated`) on the connection; returns whether it changed."""
    if isinstance(error, RecordDeprecated):
        return connection_mark_deprecated(connection=connection, primary_orcid=error.primary_orcid)
    if error.record_state == DEACTIVATED:
        return connection_mark_deactivated(connection=connection)
    return connection_mark_locked(connection=connection, not_claimed=error.record_state == NOT_CLAIMED)
