"""`manage.py invite_researchers FILE --unit CODE` (CONTRACT §3): one email each, with a
personal link; prints one line per row and the counts. Streams the file: 20,000 people take
flat memory, with a progress bar on standard error and INVITATION_SEND_RATE emails a second."""

from __future__ import annotations

import getpass
import sys
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from invitations.rows import InvitationFileError, RowOutcome, invitation_rows_read
from invitations.services import invitations_invite
from units.models import Unit


def _who() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in a container
        return "unknown"


class Command(BaseCommand):
    help = "Invite the people of a CSV (institutional_id, email, given_names, family_names) to connect their ORCID iD."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, UTF-8, with a header row.")
        parser.add_argument("--unit", required=True, help="The code of the unit that invites (it is named in the email).")
        parser.add_argument("--rate", type=float, default=None,
                            help="Emails per second at most (default: INVITATION_SEND_RATE; 0: no limit).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, **options):
        unit = Unit.objects.filter(code=options["unit"].strip().lower()).first()
        if unit is None:
            known = ", ".join(Unit.objects.values_list("code", flat=True)) or "none yet (create_unit)"
            raise CommandError(f"No unit {options['unit']!r}. Known units: {known}.")
        try:
            stream = open(options["file"], encoding="utf-8-sig", newline="")
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from None
        with stream:
            total = max(0, sum(1 for _ in stream) - 1)
            stream.seek(0)
            counts = self._invite(unit, stream, total, options)
        self.stdout.write(
            f"invited={counts[RowOutcome.INVITED]} skipped={counts[RowOutcome.SKIPPED]} "
            f"rejected={counts[RowOutcome.REJECTED]} failed={counts[RowOutcome.FAILED]}"
        )

    def _invite(self, unit, stream, total: int, options) -> Counter:
        bar = None
        if not options["no_progress"] and options["verbosity"] > 0:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="person", file=sys.stderr, dynamic_ncols=True, leave=True)
        counts: Counter = Counter()
        try:
            rows = invitation_rows_read(stream, unit_code=unit.code)
            outcomes = invitations_invite(unit=unit, rows=rows, rate=options["rate"],
                                          invited_by=f"invite_researchers command ({_who()})")
            for outcome in outcomes:
                counts[outcome.outcome] += 1
                self.stdout.write(str(outcome))
                if bar is not None and outcome.line > 1:
                    bar.update(1)
        except InvitationFileError as error:
            raise CommandError(f"{options['file']}: {error}") from None
        finally:
            if bar is not None:
                bar.close()
        return counts
