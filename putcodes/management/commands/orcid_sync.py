"""`manage.py orcid_sync [--unit CODE] [--researcher INSTITUTIONAL_ID] [--dry-run]`: one sync now, in
this process (the same code the scheduled task runs), several researchers at once, with a
progress bar, ending with the summary line of CONTRACT §3. It first prints what the plan will
do and how long it takes at ORCID's rate (on standard error; `--dry-run`: only that, on
standard output, and nothing is written)."""

from __future__ import annotations

import getpass
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from putcodes.models import SyncRun
from putcodes.services import DEFAULT_WORKERS, sync_run_execute, sync_run_start


class Command(BaseCommand):
    help = "Write approved works and employments to ORCID now, and print what happened."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="Only this unit's items (its code).")
        parser.add_argument("--researcher", help="Only this researcher (institutional ID).")
        parser.add_argument(
            "--workers", type=int, default=None,
            help=f"Researchers synced at once (default ORCID_SYNC_WORKERS, {DEFAULT_WORKERS}); the rate limit is shared.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Say what a run would do (counts per action, ORCID calls, how long at ORCID_REQUESTS_PER_SECOND) "
            "and write nothing.",
        )
        parser.add_argument("--no-estimate", action="store_true", help="Do not print the plan's estimate first.")

    @staticmethod
    def _targets(options):
        """The unit and the researcher the options name (None: all); CommandError for unknown ones."""
        from units.models import Unit

        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"].strip().lower()).first()
            if unit is None:
                known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none"
                raise CommandError(f"Unknown unit {options['unit']!r}. Known units: {known}.")
        researcher = None
        if options["researcher"]:
            researcher = get_user_model().objects.filter(username=options["researcher"]).first()
            if researcher is None:
                raise CommandError(f"No researcher with the institutional ID {options['researcher']!r}.")
        return unit, researcher

    def _errors_write(self, run, options) -> None:
        """The run's first errors (all at verbosity 2, else only when there are some)."""
        if options["verbosity"] > 1 or run.error_count:
            for error in run.errors.select_related("item")[:20]:
                self.stderr.write(f"  {error.status or '-'} {error.message}")
            if run.error_count > 20:
                self.stderr.write(f"  ... and {run.error_count - 20} more (see the sync run in the admin)")

    def handle(self, *args, **options):
        unit, researcher = self._targets(options)
        if options["dry_run"] or not options["no_estimate"]:
            estimate = self._estimate(unit, researcher)
            if options["dry_run"]:
                self.stdout.write(estimate.line())
                return
            self.stderr.write(estimate.line())
        try:
            who = getpass.getuser()
        except Exception:  # no login name in a container: say where it came from
            who = "unknown"
        run = sync_run_start(
            triggered_by=f"orcid_sync command ({who})", trigger=SyncRun.Trigger.COMMAND, unit=unit, researcher=researcher
        )
        bar = None
        show_progress = not options["no_progress"] and options["verbosity"] > 0

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if not show_progress:
                return
            if bar is None:
                from tqdm import tqdm

                bar = tqdm(total=total, unit="researcher", file=sys.stderr, dynamic_ncols=True, leave=True)
            bar.update(done - bar.n)

        started = time.monotonic()
        try:
            run = sync_run_execute(run=run, workers=options["workers"], progress=progress)
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.monotonic() - started
        self._errors_write(run, options)
        self.stderr.write(
            f"Sync run {run.pk}: {run.researchers_total} researcher(s) in {elapsed:.1f} s; "
            f"ORCID calls: {run.api_writes} write(s), {run.api_reads} read(s), {run.api_retries} retry(ies)."
        )
        self.stdout.write(run.summary_line())

    def _estimate(self, unit, researcher):
        """The plan's counts and cost before anything is written (putcodes/sync/mass_change.py)."""
        from putcodes.selectors import researcher_ids_to_sync
        from putcodes.sync.mass_change import plans_estimate

        ids = researcher_ids_to_sync(unit=unit, researcher=researcher)
        return plans_estimate(ids, units=[unit] if unit is not None else None)
