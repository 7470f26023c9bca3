"""Sending unit events: recording one delivery per endpoint, and delivering it with retries.

A delivery is tried once as soon as the transaction that caused it commits (in-process without
a broker, as a Celery task with one); a failure (an answer other than 2xx, a timeout) sets
`next_attempt_at` with exponential backoff (30 s, 1 min, 2 min, ... capped at 6 h) and the
Celery task retries then; without a broker the beat entry "Unit event deliveries due" sends the
due ones. After MAX_ATTEMPTS the delivery is `failed`. Claiming an attempt is a conditional
UPDATE, so a retry and the scheduled scan never send the same attempt twice; a receiver may
still see an event twice (a lost answer) and should de-duplicate by `X-Portal-Event-Id`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import time
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import EventDelivery, UnitEndpoint
from .signing import event_signature

logger = logging.getLogger(__name__)

State = EventDelivery.State
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 3600
CLAIM_SECONDS = 60  # an attempt's lease: a crashed sender's delivery is due again after it
TIMEOUT = (5, 10)  # connect, read: a slow receiver must not hold the portal


def backoff_seconds(attempts: int) -> int:
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_url_problem(url: str) -> str:
    """Why `url` may not receive events ('' if it may): HTTPS only (plain HTTP to the loopback
    address only when UNIT_EVENTS_ALLOW_HTTP_LOOPBACK is on, as in tests)."""
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return ""
    if parts.scheme == "http" and _loopback(parts.hostname or "") and settings.UNIT_EVENTS_ALLOW_HTTP_LOOPBACK:
        return ""
    return "The endpoint must be an https:// address."


def unit_event_emit(*, unit_ids, event_type: str, subject: str, data: dict) -> list[EventDelivery]:
    """Record `event_type` for every active endpoint of `unit_ids` that wants it, and send them
    once the current transaction commits. Returns the deliveries."""
    endpoints = [e for e in UnitEndpoint.objects.filter(unit_id__in=list(unit_ids), active=True).select_related("unit")
                 if e.wants(event_type)]
    deliveries = []
    for endpoint in endpoints:
        delivery = EventDelivery(endpoint=endpoint, event_type=event_type, subject=subject, payload={},
                                 next_attempt_at=timezone.now())
        delivery.payload = {
            "id": str(delivery.event_id), "type": event_type, "created_at": timezone.now().isoformat(),
            "unit": endpoint.unit.code, "data": data,
        }
        deliveries.append(delivery)
    EventDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries if d.pk]
    if not ids:  # SQLite before 3.35 gives no ids back from bulk_create
        ids = list(EventDelivery.objects.filter(event_id__in=[d.event_id for d in deliveries]).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: deliveries_dispatch(delivery_ids=ids))
    return deliveries


def deliveries_dispatch(*, delivery_ids: list[int]) -> None:
    """Send now: in this process without a broker, else one Celery task each."""
    from .tasks import delivery_send_task

    for delivery_id in delivery_ids:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            delivery_attempt(delivery_id=delivery_id)
        else:
            delivery_send_task.delay(delivery_id)


def _claim(delivery_id: int, now) -> EventDelivery | None:
    claimed = EventDelivery.objects.filter(pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS)
    )
    return EventDelivery.objects.select_related("endpoint").get(pk=delivery_id) if claimed else None


def _post(delivery: EventDelivery) -> tuple[int | None, str]:
    endpoint = delivery.endpoint
    problem = endpoint_url_problem(endpoint.url)
    if problem:
        return None, problem
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "orcid-portal-unit-events/1",
        "X-Portal-Event-Id": str(delivery.event_id),
        "X-Portal-Event-Type": delivery.event_type,
        "X-Portal-Timestamp": str(timestamp),
        "X-Portal-Signature": event_signature(secret=endpoint.secret, timestamp=timestamp, body=body),
    }
    try:
        answer = requests.post(endpoint.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: could not reach the endpoint"
    return answer.status_code, "" if 200 <= answer.status_code < 300 else f"answered {answer.status_code}"


def delivery_attempt(*, delivery_id: int, now=None) -> bool | None:
    """Send one due attempt of the delivery (due at `now`, default the present). True: delivered;
    False: failed (retry planned or given up); None: not due, delivered, or another sender has it."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    status, error = _post(delivery)
    delivery.last_status_code, delivery.last_error = status, error[:500]
    if not error:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = State.DELIVERED, now, None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = State.FAILED, None
    else:
        delivery.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(delivery.attempts))
    delivery.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_status_code", "last_error"])
    if error:
        logger.info("Unit event %s to %s: %s (attempt %d)", delivery.event_id, delivery.endpoint.url, error,
                    delivery.attempts)
    return not error


def deliveries_due_send(*, now=None, limit: int = 500) -> int:
    """Send the deliveries whose retry is due (the scheduled entry). Returns how many were tried."""
    now = now or timezone.now()
    ids = list(EventDelivery.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if delivery_attempt(delivery_id=pk, now=now) is not None)


def deliveries_retry_now(*, deliveries) -> int:
    """The admin's "retry now": failed or waiting deliveries become due at once (attempts kept)."""
    return EventDelivery.objects.filter(pk__in=[d.pk for d in deliveries], state__in=[State.PENDING, State.FAILED]).update(
        state=State.PENDING, next_attempt_at=timezone.now()
    )


def deliveries_purge(*, now=None) -> int:
    """Delete delivery log rows older than AUDIT_RETENTION_DAYS (they name researchers)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=int(settings.AUDIT_RETENTION_DAYS))
    deleted, _ = EventDelivery.objects.filter(created_at__lt=cutoff).exclude(state=State.PENDING).delete()
    return deleted
