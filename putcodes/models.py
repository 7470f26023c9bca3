"""The PUT-code ledger: one row per item the institution wrote or will write to ORCID."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OrcidItem(models.Model):
    """An item (work, employment) of one unit on one researcher's ORCID record.

    The unit that wrote the item owns its put-code. `content_hash` is the hash of the
    body last written, so a later run updates only what changed.
    """

    class Kind(models.TextChoices):
        WORK = "work", "Work"
        EMPLOYMENT = "employment", "Employment"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be written"
        ON_ORCID = "on_orcid", "On ORCID"
        DELETED_ON_ORCID = "deleted_on_orcid", "Deleted by the researcher on ORCID"
        WITHDRAWN = "withdrawn", "Withdrawn from ORCID by the institution"
        ERROR = "error", "ORCID refused it"
        OUTCOME_UNKNOWN = "outcome_unknown", "Sent, answer lost: to reconcile"

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="orcid_items")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="orcid_items")
    orcid = models.CharField(max_length=19, db_index=True, help_text="The ORCID iD of the record the item is on.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_id = models.CharField(max_length=200, help_text="The unit's own id of the item.")
    work = models.OneToOneField(
        "works.Work", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    employment = models.OneToOneField(
        "employments.Employment", null=True, blank=True, on_delete=models.SET_NULL, related_name="orcid_item"
    )
    put_code = models.BigIntegerField(null=True, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    visibility = models.CharField(max_length=20, blank=True, help_text="The visibility ORCID last reported.")
    last_error_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error_code = models.PositiveIntegerField(null=True, blank=True)
    last_error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    written_at = models.DateTimeField(null=True, blank=True)
    deleted_on_orcid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "local_id"], name="orciditem_one_per_unit_item"),
            models.UniqueConstraint(
                fields=["orcid", "kind", "put_code"],
                condition=models.Q(put_code__isnull=False),
                name="orciditem_one_per_put_code",
            ),
        ]
        indexes = [models.Index(fields=["researcher", "kind", "state"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id} ({self.unit.code}) on {self.orcid}: {self.state}"
