"""Celery tasks of the reports app (thin: one service each)."""

from __future__ import annotations

from celery import shared_task

SNAPSHOT_TASK = "reports.adoption_snapshot"


@shared_task(name=SNAPSHOT_TASK, acks_late=True, ignore_result=True)
def adoption_snapshot_task() -> int:
    """The weekly adoption snapshot (beat entry "Weekly adoption snapshot")."""
    from .services import adoption_snapshot_take

    return adoption_snapshot_take()
