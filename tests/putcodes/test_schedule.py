"""The beat schedule: seeded from ORCID_SYNC_INTERVAL_HOURS, an admin's change kept, and run
in-process by `orcid_scheduler` when there is no broker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from putcodes.management.commands.orcid_scheduler import scheduler_tick
from putcodes.schedule import SYNC_ENTRY_NAME, sync_schedule_seed
from putcodes.tasks import SYNC_ALL_TASK

pytestmark = pytest.mark.django_db


def test_migrate_seeds_the_sync_entry_from_the_interval_setting():
    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    assert entry.task == SYNC_ALL_TASK
    assert entry.enabled
    assert (entry.interval.every, entry.interval.period) == (48, IntervalSchedule.HOURS)


def test_a_fractional_interval_is_seeded_in_minutes(settings):
    PeriodicTask.objects.filter(name=SYNC_ENTRY_NAME).delete()
    settings.ORCID_SYNC_INTERVAL_HOURS = 0.5
    assert sync_schedule_seed()
    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    assert (entry.interval.every, entry.interval.period) == (30, IntervalSchedule.MINUTES)


def test_an_admins_change_of_the_schedule_is_never_overwritten(settings):
    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    entry.interval, _ = IntervalSchedule.objects.get_or_create(every=6, period=IntervalSchedule.HOURS)
    entry.enabled = False
    entry.save()
    settings.ORCID_SYNC_INTERVAL_HOURS = 12
    assert not sync_schedule_seed()
    call_command("migrate", verbosity=0)  # post_migrate runs the seeding again
    entry.refresh_from_db()
    assert (entry.interval.every, entry.enabled) == (6, False)


def test_the_scheduler_runs_a_due_sync_once_and_waits_for_the_next_interval():
    PeriodicTask.objects.exclude(name=SYNC_ENTRY_NAME).update(enabled=False)  # other apps' entries
    ran = []
    names = scheduler_tick(run_task=lambda task, args, kwargs: ran.append(task.name))
    assert names == [SYNC_ENTRY_NAME] and ran == [SYNC_ALL_TASK]
    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    assert entry.last_run_at is not None and entry.total_run_count == 1
    # Not due again an hour later; due after the 48-hour interval.
    assert scheduler_tick(now=timezone.now() + timedelta(hours=1), run_task=lambda *a: ran.append("x")) == []
    PeriodicTask.objects.filter(pk=entry.pk).update(last_run_at=timezone.now() - timedelta(hours=49))
    assert SYNC_ENTRY_NAME in scheduler_tick(run_task=lambda *a: ran.append("again"))


def test_the_scheduler_skips_a_disabled_entry():
    PeriodicTask.objects.filter(name=SYNC_ENTRY_NAME).update(enabled=False)
    assert SYNC_ENTRY_NAME not in scheduler_tick(run_task=lambda *a: None)


def test_the_scheduled_task_records_a_sync_run():
    from putcodes.models import SyncRun

    PeriodicTask.objects.exclude(name=SYNC_ENTRY_NAME).update(enabled=False)
    call_command("orcid_scheduler", "--once", stdout=open("/dev/null", "w"))
    run = SyncRun.objects.get()
    assert run.trigger == SyncRun.Trigger.SCHEDULE
    assert run.status == SyncRun.Status.FINISHED


def test_a_new_interval_setting_moves_the_entry_the_portal_seeded(settings):
    # A deployment that changes ORCID_SYNC_INTERVAL_HOURS gets it at its next migrate (CONTRACT
    # §2: how often beat runs the sync), as long as no admin changed the interval meanwhile.
    settings.ORCID_SYNC_INTERVAL_HOURS = 24
    call_command("migrate", verbosity=0)
    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    assert (entry.interval.every, entry.interval.period) == (24, IntervalSchedule.HOURS)
    settings.ORCID_SYNC_INTERVAL_HOURS = 0.25
    assert not sync_schedule_seed()
    entry.refresh_from_db()
    assert (entry.interval.every, entry.interval.period) == (15, IntervalSchedule.MINUTES)
    assert PeriodicTask.objects.filter(name=SYNC_ENTRY_NAME).count() == 1


def test_an_entry_seeded_before_the_interval_was_recorded_follows_the_setting_from_then_on(settings):
    from putcodes import schedule

    entry = PeriodicTask.objects.get(name=SYNC_ENTRY_NAME)
    PeriodicTask.objects.filter(pk=entry.pk).update(description=schedule._OLD_DESCRIPTION)  # 48 h, the setting's
    call_command("migrate", verbosity=0)
    settings.ORCID_SYNC_INTERVAL_HOURS = 12
    call_command("migrate", verbosity=0)
    entry.refresh_from_db()
    assert (entry.interval.every, entry.interval.period) == (12, IntervalSchedule.HOURS)
