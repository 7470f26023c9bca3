"""ORCID webhooks: the callback the portal registered for each connected iD.

The callback URL carries a token that only the portal can compute (an HMAC of the iD and a
per-registration random nonce under SECRET_KEY), so nobody can make the portal reconcile a
record by guessing URLs, and the database alone does not reveal them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class WebhookSubscription(models.Model):
    class State(models.TextChoices):
        REGISTERED = "registered", "Registered at ORCID"
        FAILED = "failed", "Registration failed: retried by the periodic reconcile"
        UNREGISTERED = "unregistered", "Removed (disconnected)"

    orcid = models.CharField("ORCID iD", max_length=19, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    nonce = models.CharField(max_length=64, editable=False, help_text="Random part of the callback token.")
    callback_base = models.CharField(
        max_length=500, help_text="PORTAL_BASE_URL when registered, so a later change can still remove it."
    )
    state = models.CharField(max_length=16, choices=State.choices, db_index=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    unregistered_at = models.DateTimeField(null=True, blank=True)
    last_callback_at = models.DateTimeField(null=True, blank=True)
    callbacks = models.PositiveIntegerField(default=0, help_text="Callbacks that queued a reconcile.")
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"webhook {self.orcid} ({self.state})"
