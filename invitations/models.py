"""Invitations to connect an ORCID iD: one row per person invited, with the state of the
invitation (invitations/states.py holds its transitions; nothing else assigns `status`).

The personal link is never stored: only the SHA-256 of the signed token is kept
(`token_hash`), beside the random `link_id` the token is signed from. Without SECRET_KEY a
copy of the database cannot make a working link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Invitation(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        REMINDED = "reminded", "Reminded"
        OPENED = "opened", "Opened (link followed)"
        CONNECTED = "connected", "Connected"
        # They denied access on ORCID; the link still works until it expires.
        DECLINED = "declined", "Declined on ORCID"
        EXPIRED = "expired", "Expired"
        # The mail server refused the email; retried by the next reminder run.
        FAILED = "failed", "Email failed"

    # An invitation in one of these states stops a new one for the same person.
    OPEN_STATUSES = (Status.SENT, Status.REMINDED, Status.OPENED, Status.DECLINED, Status.FAILED)

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="invitations")
    institutional_id = models.CharField(max_length=150, db_index=True, help_text="Lower case, as signed in.")
    email = models.EmailField(max_length=254)
    given_names = models.CharField(max_length=150, blank=True)
    family_names = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT, db_index=True)
    link_id = models.CharField(max_length=32, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.CharField(max_length=150, blank=True, help_text="Who asked: a staff member or a command.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the first email went out.")
    last_sent_at = models.DateTimeField(null=True, blank=True, help_text="When the last email went out.")
    reminders = models.PositiveSmallIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, help_text="The mail server's refusal, when it failed.")
    orcid_notified = models.CharField(
        max_length=19, blank=True, help_text="The iD whose ORCID inbox got a permission notification."
    )
    orcid_notification_put_code = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per person, whichever unit asked (concurrent invites: one wins).
            models.UniqueConstraint(
                fields=["institutional_id"],
                condition=Q(status__in=["sent", "reminded", "opened", "declined", "failed"]),
                name="invitations_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["status", "last_sent_at"])]

    def __str__(self) -> str:
        return f"Invitation of {self.institutional_id} ({self.status})"


class InvitationSettings:
    """The settings in one place (CONTRACT §2), read when used so tests can change them."""

    @staticmethod
    def valid_days() -> int:
        return int(settings.INVITATION_VALID_DAYS)

    @staticmethod
    def reminder_days() -> int:
        return int(settings.INVITATION_REMINDER_DAYS)

    @staticmethod
    def max_reminders() -> int:
        return int(settings.INVITATION_MAX_REMINDERS)

    @staticmethod
    def send_rate() -> float:
        return float(settings.INVITATION_SEND_RATE)
