"""`manage.py orcid_scheduler`: runs the beat schedule in this process, for the embedded
setup without a broker (`make run`). It reads django-celery-beat's entries (the ones the
admin shows and edits) and runs each due task in-process; with a broker, run
`celery -A orcid_portal beat` and workers instead."""

from __future__ import annotations

import json
import logging
import signal
import time
from datetime import datetime

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone

logger = logging.getLogger("putcodes.scheduler")


def scheduler_tick(*, now: datetime | None = None, run_task=None) -> list[str]:
    """Run every enabled entry that is due (once each). Returns the names of those run.

    An entry that never ran is due at once. Its `last_run_at` is stamped before the task
    runs, so a crash in the task does not make it run again at every tick.
    """
    from django_celery_beat.models import PeriodicTask

    from orcid_portal.celery import app

    app.loader.import_default_modules()
    now = now or timezone.now()
    ran = []
    for entry in PeriodicTask.objects.filter(enabled=True).select_related("interval", "crontab", "solar", "clocked"):
        task = app.tasks.get(entry.task)
        if task is None:
            continue  # not a task of this project (or not loaded): leave it to a real beat
        if not _is_due(entry, now):
            continue
        PeriodicTask.objects.filter(pk=entry.pk).update(last_run_at=now, total_run_count=entry.total_run_count + 1)
        _run_entry(entry, task, run_task)
        ran.append(entry.name)
        if entry.one_off:
            PeriodicTask.objects.filter(pk=entry.pk).update(enabled=False)
    return ran


def _is_due(entry, now: datetime) -> bool:
    if entry.start_time and entry.start_time > now:
        return False
    if entry.expires and entry.expires < now:
        return False
    if entry.one_off and entry.total_run_count:
        return False
    if entry.last_run_at is None:
        return True
    is_due, _next = entry.schedule.is_due(timezone.localtime(entry.last_run_at))
    return bool(is_due)


def _run_entry(entry, task, run_task) -> None:
    logger.info("Running scheduled %s (%s)", entry.name, entry.task)
    try:
        args = entry.args and json.loads(entry.args) or []
        kwargs = entry.kwargs and json.loads(entry.kwargs) or {}
        if run_task is not None:
            run_task(task, args, kwargs)
        else:
            task.apply(args=args, kwargs=kwargs)
    except Exception:
        logger.exception("Scheduled %s failed", entry.name)


class Command(BaseCommand):
    help = "Run the Celery beat schedule in-process (no broker needed): runs due ORCID syncs."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks (default 30).")
        parser.add_argument("--once", action="store_true", help="Check once, run what is due, and exit.")

    def handle(self, *args, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                signal.signal(sig, stop)
            except ValueError:  # not the main thread (tests)
                pass
        if not options["once"]:
            self.stdout.write(f"ORCID scheduler: checking the beat schedule every {options['interval']:.0f} s.")
        while True:
            if not connection.in_atomic_block:  # a long-lived process: drop stale connections
                close_old_connections()
            ran = scheduler_tick()
            for name in ran:
                self.stdout.write(f"Ran {name}.")
            if options["once"] or stopping:
                break
            waited = 0.0
            while waited < options["interval"] and not stopping:
                time.sleep(0.5)
                waited += 0.5
            if stopping:
                break
