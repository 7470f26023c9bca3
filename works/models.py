"""Publications (ORCID 'works') that units load for researchers."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Work(models.Model):
    """A publication a unit knows about, for one researcher, keyed by the unit's `local_id`.

    `external_ids` is a list of {"type", "value", "relationship"} with values normalised
    (DOIs bare and lower-case, PMIDs and ISBNs digits only); `contributors` a list of
    {"name", "orcid", "role"}. `approved` is the researcher's choice: None until they choose.
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="works")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="works")
    local_id = models.CharField(max_length=200)
    title = models.TextField()
    subtitle = models.TextField(blank=True)
    work_type = models.CharField(max_length=50, default="journal-article")
    publication_year = models.PositiveSmallIntegerField(null=True, blank=True)
    publication_month = models.PositiveSmallIntegerField(null=True, blank=True)
    publication_day = models.PositiveSmallIntegerField(null=True, blank=True)
    journal_title = models.TextField(blank=True)
    external_ids = models.JSONField(default=list, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    contributors = models.JSONField(default=list, blank=True)
    citation = models.TextField(blank=True)
    citation_type = models.CharField(max_length=30, blank=True)
    public = models.BooleanField(default=True)
    approved = models.BooleanField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The unit no longer lists this work.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "local_id"], name="work_unique_per_unit")]
        indexes = [models.Index(fields=["researcher", "unit"])]
        ordering = ["-publication_year", "title"]

    def __str__(self) -> str:
        return self.title[:80]
