"""Celery tasks of unit events (thin: load by id, call one service)."""

from __future__ import annotations

from celery import shared_task

SEND_TASK = "unit_events.delivery_send"
DUE_TASK = "unit_events.deliveries_due"


@shared_task(name=SEND_TASK, bind=True, acks_late=True, ignore_result=True, max_retries=None)
def delivery_send_task(self, delivery_id: int) -> None:
    """One attempt; on failure, Celery retries when the backoff says (the delivery knows when)."""
    from .models import EventDelivery
    from .services import delivery_attempt

    if delivery_attempt(delivery_id=delivery_id) is False:
        delivery = EventDelivery.objects.filter(pk=delivery_id, state=EventDelivery.State.PENDING).first()
        if delivery is not None and delivery.next_attempt_at is not None and not self.request.is_eager:
            from django.utils import timezone

            countdown = max(1, int((delivery.next_attempt_at - timezone.now()).total_seconds()))
            raise self.retry(countdown=countdown)


@shared_task(name=DUE_TASK, acks_late=True, ignore_result=True)
def deliveries_due_task() -> int:
    """The scheduled entry: due retries (without a broker, the only retries), and the log's purge."""
    from .services import deliveries_due_send, deliveries_purge

    deliveries_purge()
    return deliveries_due_send()
