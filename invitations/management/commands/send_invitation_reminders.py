"""`manage.py send_invitation_reminders` (CONTRACT §3; also the beat entry "Invitation
reminders"): reminds the invited who have neither connected nor declined, retries emails the
mail server refused, and expires links that ran out."""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from invitations.services import invitations_remind


class Command(BaseCommand):
    help = "Remind the invited who have neither connected nor declined (INVITATION_REMINDER_DAYS apart)."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=None,
                            help="Emails per second at most (default: INVITATION_SEND_RATE; 0: no limit).")

    def handle(self, *args, **options):
        counts: Counter = Counter()
        for invitation, action, sent in invitations_remind(rate=options["rate"]):
            outcome = action if action == "expire" or sent else f"{action} failed"
            counts[outcome] += 1
            detail = f" ({invitation.last_error})" if action != "expire" and not sent else ""
            self.stdout.write(f"{invitation.institutional_id}: {outcome}{detail}")
        self.stdout.write(
            f"reminded={counts['remind']} resent={counts['retry']} expired={counts['expire']} "
            f"failed={counts['remind failed'] + counts['retry failed']}"
        )
