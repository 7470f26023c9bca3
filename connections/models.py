"""The central ORCID token store: one connection per institutional ID.

Tokens are encrypted at rest (connections.crypto); read them only through
`connections.services.connection_access_token`, which also refreshes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .crypto import token_decrypt, token_encrypt


class OrcidConnection(models.Model):
    """A researcher's link to their ORCID iD and the tokens ORCID granted the portal."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        # ORCID refused the token (invalid_token): the researcher revoked access on ORCID,
        # or ORCID did. The researcher must connect again.
        REVOKED = "revoked", "Access revoked"
        # The access token ran out and could not be refreshed.
        EXPIRED = "expired", "Access expired"
        # The researcher disconnected in the portal; the portal revoked the token at ORCID.
        DISCONNECTED = "disconnected", "Disconnected"
        # ORCID will not act on the record itself (409 9018 locked, 9036 not claimed): the
        # token is fine, the items wait until ORCID says the record is usable again.
        LOCKED = "locked", "Record locked on ORCID"
        # The researcher deactivated their record (409 9044): the items wait.
        DEACTIVATED = "deactivated", "Record deactivated on ORCID"
        # The record was merged into another (GET 301 / 409 9007): `primary_orcid` is the iD it
        # lives on now, which the researcher is asked to connect.
        DEPRECATED = "deprecated", "Record merged into another iD"

    class RevokedBy(models.TextChoices):
        NOBODY = "", "Not revoked"
        # Revoked on ORCID (by the researcher, or by ORCID). ORCID still lets the source
        # delete its own items with such a token, so it is kept (encrypted) for that.
        RESEARCHER = "researcher", "The researcher, on ORCID"
        # Revoked by the portal at /oauth/revoke: dead for every call, so not kept.
        PORTAL = "portal", "The portal"

    # Statuses under which the iD belongs to this user: no other user may link it meanwhile.
    LIVE_STATUSES = (
        Status.ACTIVE, Status.REVOKED, Status.EXPIRED, Status.LOCKED, Status.DEACTIVATED, Status.DEPRECATED,
    )
    # Statuses in which the token works but ORCID will not act on the record: a sync probes
    # the record with one read per run instead of writing (putcodes' record state input).
    RECORD_STATUSES = (Status.LOCKED, Status.DEACTIVATED, Status.DEPRECATED)

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orcid_connection")
    orcid = models.CharField("ORCID iD", max_length=19, db_index=True, help_text="e.g. 0000-0002-1825-0097")
    name = models.CharField(max_length=300, blank=True, help_text="The name ORCID returned with the token.")
    scopes = models.JSONField(default=list, help_text="The scopes ORCID granted, e.g. ['/activities/update'].")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    revoked_by = models.CharField(max_length=16, choices=RevokedBy.choices, blank=True, default=RevokedBy.NOBODY)
    status_reason = models.CharField(max_length=500, blank=True, help_text="Why the status last changed.")
    primary_orcid = models.CharField(
        "primary ORCID iD", max_length=19, blank=True, default="",
        help_text="For a deprecated record: the iD ORCID merged it into.",
    )
    record_state_at = models.DateTimeField(
        null=True, blank=True, help_text="When ORCID last reported the record locked, deactivated or deprecated.",
    )
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the access token runs out.")
    connected_at = models.DateTimeField(help_text="When the researcher last granted access.")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-connected_at"]
        constraints = [
            # An iD belongs to one institutional ID at a time.
            models.UniqueConstraint(
                fields=["orcid"],
                condition=Q(status__in=["active", "revoked", "expired", "locked", "deactivated", "deprecated"]),
                name="connections_orcid_unique_among_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ↔ {self.orcid} ({self.status})"

    # The ciphertext is all the model holds; these helpers keep the plaintext in memory only.
    @property
    def access_token(self) -> str:
        return token_decrypt(self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.access_token_encrypted = token_encrypt(value)

    @property
    def refresh_token(self) -> str:
        return token_decrypt(self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = token_encrypt(value)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def needs_reconnect(self) -> bool:
        return self.status in (self.Status.REVOKED, self.Status.EXPIRED)

    @property
    def waits_on_record(self) -> bool:
        """ORCID refuses the record itself (locked, deactivated, deprecated): nothing to do but wait."""
        return self.status in self.RECORD_STATUSES

    @property
    def can_write(self) -> bool:
        return self.is_active and "/activities/update" in self.scopes

    @property
    def orcid_uri(self) -> str:
        """The iD as ORCID's display guidelines want it: the full URI on ORCID's host."""
        return f"{settings.ORCID_BASE_URL}/{self.orcid}"

    @property
    def primary_orcid_uri(self) -> str:
        """The primary iD of a deprecated record as a full URI ("" when none is known)."""
        return f"{settings.ORCID_BASE_URL}/{self.primary_orcid}" if self.primary_orcid else ""


class ConnectionEvent(models.Model):
    """The history of a connection: connects, refreshes, revocations, disconnects."""

    class Kind(models.TextChoices):
        CONNECTED = "connected", "Connected"
        RECONNECTED = "reconnected", "Reconnected"
        REFRESHED = "refreshed", "Token refreshed"
        REVOKED = "revoked", "Access revoked on ORCID"
        EXPIRED = "expired", "Access expired"
        ITEMS_WITHDRAWN = "items_withdrawn", "Institution's items removed from ORCID"
        DISCONNECTED = "disconnected", "Disconnected"
        KEYS_ROTATED = "keys_rotated", "Tokens re-encrypted with a new key"
        RECORD_LOCKED = "record_locked", "Record locked on ORCID"
        RECORD_DEACTIVATED = "record_deactivated", "Record deactivated on ORCID"
        RECORD_DEPRECATED = "record_deprecated", "Record merged into another iD"
        RECORD_USABLE = "record_usable", "Record usable again"

    connection = models.ForeignKey(OrcidConnection, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    orcid = models.CharField(max_length=19, blank=True, help_text="The iD at the time of the event.")
    detail = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who did it, when a person did (empty for the sync and ORCID).",
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.orcid} at {self.at:%Y-%m-%d %H:%M}"
