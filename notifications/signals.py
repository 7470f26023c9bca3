"""Receivers that notice the events researchers are told about. They only schedule the
services in notifications/services.py for after the commit; the rules live there."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from putcodes.signals import items_written, researcher_reconciled

logger = logging.getLogger(__name__)

# After a researcher's first-written email is settled, their later item saves skip the check.
FIRST_WRITTEN_DONE_KEY = "notifications:first-written-done:{user_id}"
FIRST_WRITTEN_DONE_SECONDS = 6 * 3600
NO_ADDRESS_RECHECK_SECONDS = 600


def items_first_written_check(user_id: int) -> None:
    from django.contrib.auth import get_user_model

    from .services import notify_items_first_written

    if cache.get(FIRST_WRITTEN_DONE_KEY.format(user_id=user_id)):
        return
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    try:
        notify_items_first_written(researcher=user)
    except Exception:  # an email problem must never break the sync that wrote the items
        logger.exception("items-first-written notification for user %s failed", user_id)
        return
    # Settled (sent, or sent before); without an address, look again only after a while, so a
    # sync writing many items for someone without an address does not ask for each one.
    cache.set(FIRST_WRITTEN_DONE_KEY.format(user_id=user_id), True,
              FIRST_WRITTEN_DONE_SECONDS if user.email else NO_ADDRESS_RECHECK_SECONDS)


@receiver(post_save, sender="putcodes.OrcidItem", dispatch_uid="notifications-item-written")
def _orcid_item_saved(sender, instance, **kwargs) -> None:
    if instance.state != "on_orcid":
        return
    # The sync saves items with their researcher loaded: no address, nothing to do, no query.
    researcher = instance._state.fields_cache.get("researcher")
    if researcher is not None and not researcher.email:
        return
    user_id = instance.researcher_id
    # One check per researcher per transaction, however many of their items it saves: a
    # check already waiting for this transaction's commit will do (Django drops the waiting
    # callbacks when a transaction rolls back, so nothing stale is left behind).
    if _check_waiting(user_id) or cache.get(FIRST_WRITTEN_DONE_KEY.format(user_id=user_id)):
        return

    def check() -> None:
        items_first_written_check(user_id)

    check.first_written_user_id = user_id  # type: ignore[attr-defined]
    transaction.on_commit(check)


@receiver(items_written, dispatch_uid="notifications-items-written")
def _orcid_items_written(sender, items, **kwargs) -> None:
    # The sync writes items in bulk (no post_save per row) and tells once per batch; the
    # batch is one researcher's, so its first item stands for all.
    if items:
        _orcid_item_saved(sender, items[0])


@receiver(researcher_reconciled, dispatch_uid="notifications-researcher-reconciled")
def _researcher_reconciled(sender, researcher_id: int, **kwargs) -> None:
    # A first-written email missed (items written before an address was known) goes out now.
    items_first_written_check(researcher_id)


def _check_waiting(user_id: int) -> bool:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    return any(getattr(entry[1], "first_written_user_id", None) == user_id for entry in connection.run_on_commit)


def connection_revoked_check(connection_id: int) -> None:
    from connections.models import OrcidConnection

    from .services import notify_connection_revoked

    connection = OrcidConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        notify_connection_revoked(connection=connection)
    except Exception:
        logger.exception("connection-revoked notification for connection %s failed", connection_id)


def connection_deprecated_check(connection_id: int) -> None:
    from connections.models import OrcidConnection

    from .services import notify_connection_deprecated

    connection = OrcidConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        notify_connection_deprecated(connection=connection)
    except Exception:
        logger.exception("connection-deprecated notification for connection %s failed", connection_id)


@receiver(post_save, sender="connections.ConnectionEvent", dispatch_uid="notifications-connection-event")
def _connection_event_saved(sender, instance, created, **kwargs) -> None:
    if not created or instance.kind not in ("revoked", "expired", "record_deprecated"):
        return
    connection_id = instance.connection_id
    if instance.kind == "record_deprecated":
        transaction.on_commit(lambda: connection_deprecated_check(connection_id))
        return
    transaction.on_commit(lambda: connection_revoked_check(connection_id))


@receiver(user_logged_in, dispatch_uid="notifications-email-from-sso")
def _signed_in(sender, request, user, **kwargs) -> None:
    if request is None:
        return
    from .services import user_email_from_sign_in

    user_email_from_sign_in(user=user, meta=request.META)
