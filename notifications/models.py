"""Emails sent to researchers, one row per event: the unique (user, event_key) is what makes
sure no researcher gets the same email twice, whichever worker notices the event first."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    class Kind(models.TextChoices):
        ITEMS_FIRST_WRITTEN = "items_first_written", "Items first written to ORCID"
        CONNECTION_REVOKED = "connection_revoked", "ORCID access revoked: please reconnect"
        CONNECTION_DEPRECATED = "connection_deprecated", "ORCID record merged: please connect the primary iD"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_key = models.CharField(
        max_length=200, help_text="Names the event, e.g. 'connection-revoked:12:2026-11-24T16:00:00'."
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "event_key"], name="notification_once_per_event")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.user} ({self.event_key})"
