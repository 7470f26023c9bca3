"""The reports app's beat entry, seeded once after migrate (putcodes.schedule keeps the schedule)."""

from __future__ import annotations

from .tasks import SNAPSHOT_TASK

SNAPSHOT_ENTRY_NAME = "Weekly adoption snapshot"


def _post_migrate(sender, using="default", **kwargs) -> None:
    from putcodes.schedule import schedule_entry_seed

    schedule_entry_seed(
        name=SNAPSHOT_ENTRY_NAME, task=SNAPSHOT_TASK, minutes=7 * 24 * 60, using=using,
        description="Keeps the adoption report's figures of the week, for the admin's adoption chart.",
    )
