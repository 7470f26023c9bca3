"""Unit event endpoints: a unit registers an HTTPS endpoint and the portal POSTs it signed JSON
events about its researchers and items (unit_events/services.py; README "Unit events")."""

from __future__ import annotations

import secrets
import uuid

from django.db import models


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


class EventType(models.TextChoices):
    CONNECTED = "researcher.connected", "A researcher connected their ORCID iD"
    DISCONNECTED = "researcher.disconnected", "A researcher disconnected in the portal"
    REVOKED = "researcher.revoked", "A researcher revoked the portal's access on ORCID"
    ITEM_DELETED = "item.deleted_on_orcid", "The researcher deleted one of the unit's items on ORCID"
    ITEM_HIDDEN = "item.hidden_on_orcid", "The researcher hid one of the unit's items on ORCID"
    TEST = "test", "A test event sent from the admin"


class UnitEndpoint(models.Model):
    """Where a unit wants its events; the secret signs them (HMAC-SHA256)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="event_endpoints")
    url = models.URLField(max_length=500, help_text="HTTPS address that receives the events (POST, JSON).")
    secret = models.CharField(
        max_length=100, default=_new_secret,
        help_text="Shared secret of the HMAC-SHA256 signature (header X-Portal-Signature); give it to the receiver.",
    )
    event_types = models.JSONField(default=list, blank=True, help_text="Events to send; empty: all of them.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "url"]

    def __str__(self) -> str:
        return f"{self.unit.code} → {self.url}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .services import endpoint_url_problem

        problem = endpoint_url_problem(self.url)
        if problem:
            raise ValidationError({"url": problem})
        unknown = set(self.event_types or []) - set(EventType.values)
        if unknown:
            raise ValidationError({"event_types": f"Unknown event types: {', '.join(sorted(unknown))}."})

    def wants(self, event_type: str) -> bool:
        return self.active and (not self.event_types or event_type in self.event_types)


class EventDelivery(models.Model):
    """One event for one endpoint, and its delivery: the admin's delivery log."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up after every retry"

    endpoint = models.ForeignKey(UnitEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    subject = models.CharField(max_length=150, blank=True, db_index=True,
                               help_text="The researcher's institutional ID (for erasure).")
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "event deliveries"

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint.url}: {self.state}"
