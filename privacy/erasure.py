"""`researcher_erase` (CONTRACT §3 erase_researcher): the right to erasure.

In order: (1) with `withdraw_items`, the institution's items are deleted from the person's
ORCID record, and (2) the token is revoked at ORCID, both by
`connections.services.connection_disconnect` (which calls
`putcodes.services.researcher_withdraw_items`); if ORCID cannot be reached the erasure stops
there with nothing deleted, so it can be run again. (3) In one transaction: every row about the
person is deleted (the user and everything that cascades from it: connection and tokens,
works and choices, employments, ledger, emails, webhooks; rows naming their institutional ID or
email: API audit events, invitations; the admin's log entries about them; their sessions),
copies kept by other apps are scrubbed (`privacy.signals.researcher_erasing`), and an
anonymised `ErasureEvent` is written.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q

from .export import researcher_lookups
from .models import ErasureEvent
from .signals import researcher_erasing

logger = logging.getLogger(__name__)


@dataclass
class Withdrawal:
    items_withdrawn: int | None = None
    items_left_on_orcid: bool = False
    token_revoked: bool = False


def _withdraw_and_revoke(researcher, *, withdraw_items: bool) -> Withdrawal:
    from connections.models import OrcidConnection
    from connections.services import connection_disconnect

    connection = OrcidConnection.objects.filter(user=researcher).first() if researcher.pk else None
    if connection is None or connection.status == OrcidConnection.Status.DISCONNECTED:
        return Withdrawal()
    result = connection_disconnect(connection=connection, remove_items=withdraw_items)
    return Withdrawal(result.items_removed, result.items_left_on_orcid, result.revoked_at_orcid)


def _identifiers(researcher) -> list[str]:
    from connections.models import OrcidConnection
    from putcodes.models import OrcidItem

    if researcher.pk is None:
        return [value for value in (researcher.get_username(), researcher.email) if value]
    orcids = set(OrcidConnection.objects.filter(user=researcher).values_list("orcid", flat=True))
    orcids |= set(OrcidItem.objects.filter(researcher=researcher).values_list("orcid", flat=True).distinct())
    return [value for value in [researcher.get_username(), researcher.email, *sorted(orcids)] if value]


def _sessions_of(researcher) -> list[str]:
    keys = []
    for session in Session.objects.iterator():
        try:
            if str(session.get_decoded().get("_auth_user_id")) == str(researcher.pk):
                keys.append(session.session_key)
        except Exception:  # an undecodable session names nobody
            continue
    return keys


def _delete_rows(researcher, identifiers: list[str]) -> Counter:
    deleted: Counter = Counter()
    for model, q in researcher_lookups(researcher, for_erasure=True):
        _, per_model = model.objects.filter(q).delete()
        deleted.update(per_model)
    about = Q(pk__in=[])
    for value in identifiers:
        about |= Q(object_repr__icontains=value) | Q(change_message__icontains=value)
    if researcher.pk is not None:
        user_type = ContentType.objects.get_for_model(get_user_model())
        about |= Q(content_type=user_type, object_id=str(researcher.pk)) | Q(user=researcher)
        _, per_model = Session.objects.filter(session_key__in=_sessions_of(researcher)).delete()
        deleted.update(per_model)
    _, per_model = LogEntry.objects.filter(about).delete()
    deleted.update(per_model)
    for _, changed in researcher_erasing.send(sender=ErasureEvent, researcher=researcher, identifiers=identifiers):
        deleted.update(changed or {})
    _scrub_sync_runs(researcher)
    if researcher.pk is not None:
        _, per_model = get_user_model().objects.filter(pk=researcher.pk).delete()
        deleted.update(per_model)
    return deleted


def _scrub_sync_runs(researcher) -> None:
    from putcodes.models import SyncRun

    SyncRun.objects.filter(triggered_by__iexact=researcher.get_username()).update(triggered_by="erased researcher")


def researcher_erase(*, researcher, withdraw_items: bool, requested_by: str = "erase_researcher") -> ErasureEvent:
    """Erase `researcher` (see the module). Returns the anonymised ErasureEvent.

    Raises `orcid_client.errors.OrcidError` when ORCID cannot be reached to withdraw the items
    or revoke the token; nothing is deleted then."""
    withdrawal = _withdraw_and_revoke(researcher, withdraw_items=withdraw_items)
    identifiers = _identifiers(researcher)
    with transaction.atomic():
        deleted = _delete_rows(researcher, identifiers)
        event = ErasureEvent.objects.create(
            requested_by=requested_by,
            items_withdrawn=withdrawal.items_withdrawn,
            items_left_on_orcid=withdrawal.items_left_on_orcid,
            token_revoked=withdrawal.token_revoked,
            rows_deleted={label: count for label, count in sorted(deleted.items()) if count},
        )
    logger.info("Erasure event %s: %d rows deleted", event.pk, sum(deleted.values()))
    return event
