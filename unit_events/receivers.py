"""What the portal tells the units, from the lower layers' signals: a connection's history
(ConnectionEvent rows) and the ledger's `items_changed_on_orcid`. Receivers carry no rules:
they name the event and call `unit_event_emit`."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from connections.models import ConnectionEvent
from putcodes.signals import items_changed_on_orcid

from .models import EventType

CONNECTION_EVENTS = {
    ConnectionEvent.Kind.CONNECTED: EventType.CONNECTED,
    ConnectionEvent.Kind.RECONNECTED: EventType.CONNECTED,
    ConnectionEvent.Kind.DISCONNECTED: EventType.DISCONNECTED,
    ConnectionEvent.Kind.REVOKED: EventType.REVOKED,
}
ITEM_EVENTS = {"deleted": EventType.ITEM_DELETED, "hidden": EventType.ITEM_HIDDEN}


@receiver(post_save, sender=ConnectionEvent, dispatch_uid="unit-events-connection")
def _connection_event(sender, instance: ConnectionEvent, created: bool, **kwargs) -> None:
    event_type = CONNECTION_EVENTS.get(instance.kind)
    if not created or event_type is None:
        return
    from .selectors import researcher_unit_ids
    from .services import unit_event_emit

    connection = instance.connection
    researcher = connection.user
    unit_ids = researcher_unit_ids(researcher_id=researcher.pk)
    if unit_ids:
        unit_event_emit(unit_ids=unit_ids, event_type=event_type, subject=researcher.get_username(), data={
            "institutional_id": researcher.get_username(), "orcid": instance.orcid or connection.orcid,
            "status": connection.status, "at": instance.at.isoformat() if instance.at else None,
        })


@receiver(items_changed_on_orcid, dispatch_uid="unit-events-items")
def _items_changed(sender, items, change: str, **kwargs) -> None:
    from putcodes.models import OrcidItem

    from .services import unit_event_emit

    event_type = ITEM_EVENTS.get(change)
    if event_type is None:
        return
    for item in OrcidItem.objects.filter(pk__in=list(items)).select_related("researcher"):
        unit_event_emit(unit_ids=[item.unit_id], event_type=event_type, subject=item.researcher.get_username(), data={
            "institutional_id": item.researcher.get_username(), "orcid": item.orcid, "kind": item.kind,
            "local_id": item.local_id, "put_code": item.put_code, "visibility": item.visibility,
        })


def _researcher_erasing(sender, researcher, identifiers, **kwargs) -> dict:
    """Erasure (privacy app): the delivery log's rows naming the person go."""
    from .models import EventDelivery

    _, per_model = EventDelivery.objects.filter(subject__iexact=researcher.get_username()).delete()
    return per_model


try:  # the data-protection app sits beside this one; without it there is nothing to erase
    from privacy.signals import researcher_erasing

    researcher_erasing.connect(_researcher_erasing, dispatch_uid="unit-events-erasure")
except ImportError:  # pragma: no cover
    pass
