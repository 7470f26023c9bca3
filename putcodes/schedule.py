"""The beat schedule, in one place.

The schedule lives in django-celery-beat's tables so that admins can see and change it in
the admin. `ORCID_SYNC_INTERVAL_HOURS` only seeds it: the named entry is created once (after
`migrate`), and an admin's later change of it (interval, enabled, ...) is never overwritten.
Without a broker, `manage.py orcid_scheduler` runs the same entries in-process.
"""

from __future__ import annotations

from django.conf import settings

from .tasks import SYNC_ALL_TASK

SYNC_ENTRY_NAME = "ORCID sync of all researchers"


def sync_schedule_seed(*, using: str = "default") -> bool:
    """Create the named sync entry from ORCID_SYNC_INTERVAL_HOURS if it does not exist.
    Returns whether it was created."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.using(using).filter(name=SYNC_ENTRY_NAME).exists():
        return False
    hours = float(getattr(settings, "ORCID_SYNC_INTERVAL_HOURS", 48))
    if hours.is_integer():
        every, period = int(hours), IntervalSchedule.HOURS
    else:
        every, period = max(1, round(hours * 60)), IntervalSchedule.MINUTES
    interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=every, period=period)
    PeriodicTask.objects.using(using).create(
        name=SYNC_ENTRY_NAME,
        task=SYNC_ALL_TASK,
        interval=interval,
        description=(
            "Writes approved works (and employments) to ORCID. Seeded from ORCID_SYNC_INTERVAL_HOURS; "
            "a change made here is kept."
        ),
    )
    return True


def _post_migrate(sender, using="default", **kwargs) -> None:
    sync_schedule_seed(using=using)
