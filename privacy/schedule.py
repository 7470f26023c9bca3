"""The data-protection app's beat entry, seeded once after migrate."""

from __future__ import annotations

from .tasks import AUDIT_PURGE_TASK

AUDIT_PURGE_ENTRY_NAME = "Purge of old audit events"


def _post_migrate(sender, using="default", **kwargs) -> None:
    from putcodes.schedule import schedule_entry_seed

    schedule_entry_seed(
        name=AUDIT_PURGE_ENTRY_NAME, task=AUDIT_PURGE_TASK, minutes=24 * 60, using=using,
        description="Deletes API audit events older than AUDIT_RETENTION_DAYS.",
    )
