"""Celery tasks of webhooks and reconcile: thin, by primary key, quiet when the object is gone.

The reconcile tasks live here rather than in putcodes/tasks.py because webhooks are their
main caller; the periodic full reconcile is in the beat schedule (CELERY_BEAT_SCHEDULE).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.auth import get_user_model

from orcid_client.errors import OrcidError

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.register")
def webhook_register_task(connection_id: int) -> None:
    from connections.models import OrcidConnection

    from .services import webhook_register

    connection = OrcidConnection.objects.select_related("user").filter(pk=connection_id).first()
    if connection is None:
        return
    try:
        webhook_register(connection=connection)
    except OrcidError:
        pass  # recorded on the subscription; webhooks_register_missing retries it


@shared_task(name="webhooks.unregister")
def webhook_unregister_task(orcid: str) -> None:
    from .services import webhook_unregister

    try:
        webhook_unregister(orcid=orcid)
    except OrcidError as error:
        logger.warning("Could not remove the ORCID webhook of %s: %s", orcid, error)


@shared_task(name="putcodes.researcher_reconcile")
def researcher_reconcile_task(user_id: int) -> None:
    from putcodes.reconcile import researcher_reconcile
    from putcodes.signals import researcher_reconciled

    researcher = get_user_model().objects.filter(pk=user_id).first()
    if researcher is None:
        return
    try:
        researcher_reconcile(researcher=researcher)
    except OrcidError as error:
        logger.warning("Reconcile of %s stopped: %s", researcher.username, error)
        return
    # Listeners (notifications: a first-written email missed goes out now).
    researcher_reconciled.send(sender=researcher_reconcile_task, researcher_id=user_id)


@shared_task(name="putcodes.researchers_reconcile_all")
def researchers_reconcile_all_task() -> int:
    """The periodic full reconcile, one slice of it per run (putcodes/reconcile_budget.py: the
    cycle is spread over ORCID_RECONCILE_INTERVAL_HOURS): one task per researcher of the slice
    with items on ORCID, and the registration of any missing webhook. Returns how many
    researchers were queued."""
    from django.utils import timezone

    from putcodes.reconcile import researchers_to_reconcile
    from putcodes.reconcile_budget import reconcile_slice
    from putcodes.schedule import reconcile_entry_minutes_actual

    from .services import webhooks_register_missing

    webhooks_register_missing()
    queued = 0
    slice_ = reconcile_slice(timezone.now(), entry_minutes=reconcile_entry_minutes_actual())
    for user_id in researchers_to_reconcile(slice_=slice_):
        researcher_reconcile_task.delay(user_id)
        queued += 1
    return queued
