"""The beat entry of invitations, seeded once after migrate (an admin's change is kept)."""

from __future__ import annotations

from .tasks import SEND_REMINDERS_TASK

REMINDERS_ENTRY_NAME = "Invitation reminders"


def _post_migrate(sender, using="default", **kwargs) -> None:
    from putcodes.schedule import schedule_entry_seed

    schedule_entry_seed(
        name=REMINDERS_ENTRY_NAME, task=SEND_REMINDERS_TASK, minutes=24 * 60, using=using,
        description="Reminds the invited who have neither connected nor declined (INVITATION_REMINDER_DAYS apart, "
        "at most INVITATION_MAX_REMINDERS times), retries refused emails and expires old links.",
    )
