"""Unit events' beat entry, seeded once after migrate."""

from __future__ import annotations

from .tasks import DUE_TASK

DUE_ENTRY_NAME = "Unit event deliveries due"


def _post_migrate(sender, using="default", **kwargs) -> None:
    from putcodes.schedule import schedule_entry_seed

    schedule_entry_seed(
        name=DUE_ENTRY_NAME, task=DUE_TASK, minutes=1, using=using,
        description="Retries unit event deliveries whose backoff is over; purges the log after AUDIT_RETENTION_DAYS.",
    )
