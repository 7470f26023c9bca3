"""Celery tasks of the data-protection app (thin)."""

from __future__ import annotations

from celery import shared_task

AUDIT_PURGE_TASK = "privacy.audit_events_purge"


@shared_task(name=AUDIT_PURGE_TASK, acks_late=True, ignore_result=True)
def audit_events_purge_task() -> int:
    from .retention import audit_events_purge

    return audit_events_purge()
