"""What is left of an erased person: an anonymised record that an erasure happened."""

from __future__ import annotations

import uuid

from django.db import models


class ErasureEvent(models.Model):
    """One erasure (erase_researcher). It names no personal data on purpose: not the
    institutional ID, name, email or ORCID iD, only a random reference (which the
    data-protection office may note in its own case file) and what was done."""

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    requested_by = models.CharField(max_length=100, help_text="How it was asked for (e.g. the command), not who.")
    items_withdrawn = models.IntegerField(null=True, blank=True, help_text="Items deleted from ORCID; empty: not asked.")
    items_left_on_orcid = models.BooleanField(default=False, help_text="ORCID refused the deletions.")
    token_revoked = models.BooleanField(default=False, help_text="The ORCID token was revoked at ORCID.")
    rows_deleted = models.JSONField(default=dict, help_text="Rows deleted, per table.")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Erasure {self.reference} at {self.at:%Y-%m-%d %H:%M}"
