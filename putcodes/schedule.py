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
    hours = float(settings.ORCID_SYNC_INTERVAL_HOURS)
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


# The periodic full reconcile (webhooks/tasks.py): reads each record with items on it, for
# what webhooks missed or when the membership has none. ORCID_RECONCILE_INTERVAL_HOURS seeds it.
RECONCILE_ENTRY_NAME = "ORCID reconcile of all records"
RECONCILE_ALL_TASK = "putcodes.researchers_reconcile_all"


def reconcile_schedule_seed(*, using: str = "default") -> bool:
    """Create the named reconcile entry: every ORCID_RECONCILE_INTERVAL_HOURS (a day; a week with
    webhooks) ÷ ORCID_RECONCILE_SLICES, each run reading its slice of the records."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from .reconcile_budget import reconcile_entry_minutes

    if PeriodicTask.objects.using(using).filter(name=RECONCILE_ENTRY_NAME).exists():
        return False
    minutes = max(1, round(reconcile_entry_minutes()))
    interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=minutes, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.using(using).create(
        name=RECONCILE_ENTRY_NAME, task=RECONCILE_ALL_TASK, interval=interval,
        description="Reads each record with the institution's items on it and notes what researchers deleted "
        "or hid on ORCID (the fallback for missed webhooks); registers missing webhooks.",
    )
    return True


def reconcile_entry_minutes_actual(*, using: str = "default") -> float | None:
    """How often the reconcile entry runs as the admin left it (None: no entry, or not an interval)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    task = PeriodicTask.objects.using(using).filter(name=RECONCILE_ENTRY_NAME).select_related("interval").first()
    if task is None or task.interval is None:
        return None
    per = {IntervalSchedule.DAYS: 1440, IntervalSchedule.HOURS: 60, IntervalSchedule.MINUTES: 1,
           IntervalSchedule.SECONDS: 1 / 60, IntervalSchedule.MICROSECONDS: 1 / 60e6}
    return task.interval.every * per.get(task.interval.period, 1) or None


# Runs whose process died are closed as interrupted (putcodes.sync.reaper); each run's start
# checks too, this entry closes them when no run starts for a while.
REAP_ENTRY_NAME = "Close sync runs whose process died"


def reap_schedule_seed(*, using: str = "default") -> bool:
    from .tasks import SYNC_RUNS_REAP_TASK

    return schedule_entry_seed(
        name=REAP_ENTRY_NAME, task=SYNC_RUNS_REAP_TASK, minutes=5, using=using,
        description="Closes as interrupted the sync runs whose process died (no heartbeat, or a dead "
        "process of this machine); their counts come from the ledger.",
    )


def _post_migrate(sender, using="default", **kwargs) -> None:
    sync_schedule_seed(using=using)
    reconcile_schedule_seed(using=using)
    reap_schedule_seed(using=using)


def schedule_entry_seed(*, name: str, task: str, minutes: float, description: str, using: str = "default") -> bool:
    """Create a named interval entry once (other apps' scheduled jobs: reports, privacy, unit
    events seed theirs from their own post_migrate); an admin's later change is kept."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    if PeriodicTask.objects.using(using).filter(name=name).exists():
        return False
    interval, _ = IntervalSchedule.objects.using(using).get_or_create(
        every=max(1, round(minutes)), period=IntervalSchedule.MINUTES
    )
    PeriodicTask.objects.using(using).create(name=name, task=task, interval=interval, description=description)
    return True
