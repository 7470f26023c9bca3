from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person of the institution. `username` is the institutional ID (like a SUNet ID).

    Researchers that a unit's import names before they ever sign in exist as users with
    no usable password; they sign in later through the institutional login.
    """

    @property
    def institutional_id(self) -> str:
        return self.username


class ConsentEvent(models.Model):
    """One change of a researcher's choice about one item going to their ORCID record.

    Consent is the researcher's: it is set on their own pages, or by a unit's API key acting
    for them with the `works:curate` scope (then `actor` names the key). Staff never set it in
    the admin; when staff move an item to another researcher, the choice is cleared and that
    is recorded here too (`approved` None). Rows are only ever added (the approval history).
    """

    class Via(models.TextChoices):
        PAGE = "page", "the researcher's page"
        API = "api", "the campus API"
        ADMIN = "admin", "the admin (choice cleared)"
        IMPORT = "import", "an import (choice cleared)"
        PREFERENCE = "preference", "a standing preference"

    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_events")
    # The unit that owns the item ("units.Unit" by name: accounts does not import units).
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, help_text="The item's kind, as in the ledger (work, employment, ...).")
    object_id = models.BigIntegerField(help_text="The item's id in its own table.")
    local_id = models.CharField(max_length=200, blank=True)
    approved = models.BooleanField(null=True, help_text="Yes, no, or cleared (empty).")
    actor = models.CharField(max_length=200, help_text="Who made the change: a username or an API key's label.")
    via = models.CharField(max_length=20, choices=Via.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id", "created_at"])]

    def __str__(self) -> str:
        choice = {True: "yes", False: "no", None: "cleared"}[self.approved]
        return f"{self.kind} {self.local_id or self.object_id}: {choice} by {self.actor} via {self.via}"
