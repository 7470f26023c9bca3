"""Incidents: what the portal emailed ADMINS about, so each is told once, not once per item."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Incident(models.Model):
    """Something the engineer on call must look at, open until it is over.

    At most one incident of a kind is open at a time (a constraint, so two processes noticing
    the same failure open it once); `operations.alerts` opens it (one email to ADMINS) and
    closes it when things are well again. Nothing else assigns `status`.
    """

    class Kind(models.TextChoices):
        SYNC_RUN_FAILED = "sync_run_failed", "A sync run failed"
        SYNC_ITEMS_FAILED = "sync_items_failed", "A sync run's share of failed items is above the threshold"
        ORCID_UNAVAILABLE = "orcid_unavailable", "ORCID answers 5xx (or nothing) for a sustained period"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    summary = models.CharField(max_length=300)
    details = models.TextField(blank=True)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When ADMINS were emailed.")
    occurrences = models.PositiveIntegerField(default=1, help_text="How often it was seen while open.")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind"], condition=Q(status="open"), name="incident_one_open_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status}, {self.opened_at:%Y-%m-%d %H:%M})"
