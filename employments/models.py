"""Employment affiliations that HR loads for researchers (ORCID 'employment' items)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from orcid_client.organizations import SOURCES as ORG_SOURCES
from orcid_client.organizations import Organization


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
    # The organisation written to ORCID; `org_name` empty means the institution (INSTITUTION_*
    # settings, read at each write). An Affiliation Manager file may name another one.
    org_name = models.CharField(max_length=1000, blank=True, help_text="Empty: the institution (settings).")
    org_city = models.CharField(max_length=1000, blank=True)
    org_region = models.CharField(max_length=1000, blank=True)
    org_country = models.CharField(max_length=2, blank=True)
    org_identifier = models.CharField(max_length=200, blank=True, help_text="ROR, GRID, Ringgold or FundRef id.")
    org_source = models.CharField(max_length=10, blank=True, choices=[(s, s) for s in ORG_SOURCES])
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

    def organization(self) -> Organization:
        """The organisation written to ORCID: the row's own, or the institution's."""
        if not self.org_name:
            from orcid_client.organizations import institution

            return institution()
        return Organization(self.org_name, self.org_city, self.org_region, self.org_country,
                            self.org_identifier, self.org_source)

    def clean(self) -> None:
        """The admin's edits follow the importer's rules, so ORCID does not refuse the result."""
        from django.core.exceptions import ValidationError

        from .services import fuzzy_date_check

        errors = {}
        for prefix in ("start", "end"):
            parts = tuple(getattr(self, f"{prefix}_{part}") for part in ("year", "month", "day"))
            try:
                fuzzy_date_check(parts)
            except ValueError as problem:
                errors[f"{prefix}_year"] = str(problem)
        if not errors:
            from .services import fuzzy_dates_in_order

            start = (self.start_year, self.start_month, self.start_day)
            end = (self.end_year, self.end_month, self.end_day)
            if self.end_year and not self.start_year:
                errors["start_year"] = "An end date needs a start date."
            elif not fuzzy_dates_in_order(start, end):
                errors["end_year"] = "The end date is before the start date (give it at least as precisely)."
        if not (self.department or "").strip() and not (self.role_title or "").strip():
            errors["role_title"] = "Give a role title or a department."
        if errors:
            raise ValidationError(errors)
