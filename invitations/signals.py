"""Receivers of the connection's events. They only schedule services for after the commit.

- connected / reconnected (ConnectionEvent rows): the person's open invitation becomes
  `connected`, and their first sync runs at once (in-process without a broker, else queued)
  through `putcodes.services.researchers_sync_now`, which holds the per-record lock and the
  shared rate limit, so the items reach ORCID in the same visit rather than at the next run.
- connections.signals.connection_declined: the open invitation becomes `declined`.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from connections.signals import connection_declined

logger = logging.getLogger(__name__)


def connected_follow_up(connection_id: int) -> None:
    from connections.models import OrcidConnection
    from putcodes.models import SyncRun
    from putcodes.services import researchers_sync_now

    from .services import invitations_mark_connected

    connection = OrcidConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None or not connection.is_active:
        return
    try:
        invitations_mark_connected(user=connection.user)
    except Exception:  # never break the OAuth callback that connected them
        logger.exception("Marking the invitation of connection %s connected failed", connection_id)
    try:
        researchers_sync_now(researcher_ids=[connection.user_id], triggered_by="first sync on connect",
                             trigger=SyncRun.Trigger.PORTAL)
    except Exception:  # the scheduled sync catches up; the person is connected either way
        logger.exception("First sync after connection %s failed", connection_id)


@receiver(post_save, sender="connections.ConnectionEvent", dispatch_uid="invitations-connection-event")
def _connection_event_saved(sender, instance, created, **kwargs) -> None:
    if not created or instance.kind not in ("connected", "reconnected"):
        return
    connection_id = instance.connection_id
    transaction.on_commit(lambda: connected_follow_up(connection_id))


MESSAGE_CHANGE_YOUR_MIND = (
    "Your invitation stays open: you can change your mind and connect your ORCID iD at any time, from the link "
    "in the email or with the Connect button."
)


@receiver(connection_declined, dispatch_uid="invitations-connection-declined")
def _connection_declined(sender, user, request=None, **kwargs) -> None:
    from django.contrib import messages

    from .services import invitations_mark_declined

    try:
        declined = invitations_mark_declined(user=user)
    except Exception:
        logger.exception("Marking the invitation of %s declined failed", user.pk)
        return
    if declined and request is not None:
        messages.info(request, MESSAGE_CHANGE_YOUR_MIND)
