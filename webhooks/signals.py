"""Connect and disconnect, as recorded in the connection's history, register and remove the
ORCID webhook, after the commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender="connections.ConnectionEvent", dispatch_uid="webhooks-connection-event")
def _connection_event_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    from .services import webhooks_enabled
    from .tasks import webhook_register_task, webhook_unregister_task

    if instance.kind in ("connected", "reconnected") and webhooks_enabled():
        connection_id = instance.connection_id
        transaction.on_commit(lambda: webhook_register_task.delay(connection_id))
    elif instance.kind == "disconnected" and instance.orcid:
        orcid = instance.orcid
        transaction.on_commit(lambda: webhook_unregister_task.delay(orcid))
