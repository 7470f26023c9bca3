"""Employment affiliations that HR loads for researchers (ORCID 'employment' items)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Employment(models.Model):
    """One employment of a researcher at the institution, keyed by the unit's `local_id`.

    The organisation written to ORCID comes from the INSTITUTION_* settings; the row holds
    the department, the role and the dates (year, month, day each optional after the year).
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="employments")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employments")
    local_id = models.CharField(max_length=200)
    department = models.CharField(max_length=1000, blank=True)
    role_title = models.CharField(max_length=1000, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    start_month = models.PositiveSmallIntegerField(null=True, blank=True)
    start_day = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    end_day = models.PositiveSmallIntegerField(null=True, blank=True)
    approved = models.BooleanField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The unit no longer lists this employment.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "local_id"], name="employment_unique_per_unit")]
        indexes = [models.Index(fields=["researcher", "unit"])]
        ordering = ["-start_year"]

    def __str__(self) -> str:
        return f"{self.role_title or 'Employment'}, {self.department}".strip(", ")
