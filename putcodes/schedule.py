"""The beat schedule, in one place.

The schedule lives in django-celery-beat's tables so that admins can see and change it in
the admin. `ORCID_SYNC_INTERVAL_HOURS` sets the sync entry's interval: the named entry is
created after `migrate`, and each later `migrate` (every deployment runs it) moves it to a new
value of the setting as long as the entry still has the interval the portal gave it (its
description records it); an interval an admin changed is never overwritten.
Without a broker, `manage.py orcid_scheduler` runs the same entries in-process.
"""

from __future__ import annotations

import re

from django.conf import settings

from .tasks import SYNC_ALL_TASK

SYNC_ENTRY_NAME = "ORCID sync of all researchers"


_OLD_DESCRIPTION = ("Writes approved works (and employments) to ORCID. Seeded from ORCID_SYNC_INTERVAL_HOURS; "
                    "a change made here is kept.")
_SEEDED = re.compile(r"\[interval from the setting: every (\d+) (\w+)\]")


def _sync_interval() -> tuple[int, str]:
    """ORCID_SYNC_INTERVAL_HOURS as an interval: hours, or minutes for a fraction of one."""
    from django_celery_beat.models import IntervalSchedule

    hours = float(settings.ORCID_SYNC_INTERVAL_HOURS)
    if hours.is_integer():
        return int(hours), IntervalSchedule.HOURS
    return max(1, round(hours * 60)), IntervalSchedule.MINUTES


def _sync_description(every: int, period: str) -> str:
    return (
        "Writes the approved items to ORCID. Its interval follows ORCID_SYNC_INTERVAL_HOURS "
        f"[interval from the setting: every {every} {period}]; an interval changed here is kept."
    )


def sync_schedule_seed(*, using: str = "default") -> bool:
    """Create the named sync entry from ORCID_SYNC_INTERVAL_HOURS if it does not exist, or move
    it to the setting's current value while it still has the interval the portal gave it.
    Returns whether it was created."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, period = _sync_interval()
    entry = PeriodicTask.objects.using(using).filter(name=SYNC_ENTRY_NAME).select_related("interval").first()
    if entry is not None:
        seeded = _SEEDED.search(entry.description or "")
        ours = seeded is not None and entry.interval is not None and (
            (str(entry.interval.every), entry.interval.period) == seeded.groups()
        )
        if seeded is None and entry.description == _OLD_DESCRIPTION and entry.interval is not None and (
            (entry.interval.every, entry.interval.period) == (every, period)
        ):  # made before the description recorded the interval, and still the setting's: from now on, ours
            entry.description = _sync_description(every, period)
            entry.save(using=using)
        if ours and (entry.interval.every, entry.interval.period) != (every, period):
            entry.interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=every, period=period)
            entry.description = _sync_description(every, period)
            entry.save(using=using)  # django-celery-beat tells beat the schedule changed
        return False
    interval, _ = IntervalSchedule.objects.using(using).get_or_create(every=every, period=period)
    PeriodicTask.objects.using(using).create(
        name=SYNC_ENTRY_NAME, task=SYNC_ALL_TASK, interval=interval, description=_sync_description(every, period),
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
