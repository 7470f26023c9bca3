"""Affiliations of the six ORCID sections other than employment (which `employments` holds):
education, qualification, invited position, distinction, membership and service.

One model for the six: ORCID's v3.0 affiliation items share one shape (department, role,
fuzzy dates, organisation, url, external ids) and differ only in the section they live in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from orcid_client.organizations import SOURCES, Organization
from orcid_client.text import clean_text


class Section(models.TextChoices):
    """ORCID's affiliation sections this app writes; the values are `OrcidItem.Kind` values
    and the member API's paths (`/education`, `/invited-position`, ...)."""

    EDUCATION = "education", "Education"
    QUALIFICATION = "qualification", "Qualification"
    INVITED_POSITION = "invited-position", "Invited position"
    DISTINCTION = "distinction", "Distinction"
    MEMBERSHIP = "membership", "Membership"
    SERVICE = "service", "Service"


class Affiliation(models.Model):
    """One affiliation of a researcher that a unit lists, keyed by the unit's `local_id`.

    The organisation fields left empty (`org_name` empty) mean the institution itself
    (INSTITUTION_* settings), read when the item is written.
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="affiliations")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations")
    local_id = models.CharField(max_length=200)
    section = models.CharField(max_length=20, choices=Section.choices, db_index=True)
    department = models.CharField(max_length=1000, blank=True)
    role_title = models.CharField(max_length=1000, blank=True)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    start_month = models.PositiveSmallIntegerField(null=True, blank=True)
    start_day = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    end_day = models.PositiveSmallIntegerField(null=True, blank=True)
    org_name = models.CharField(max_length=1000, blank=True, help_text="Empty: the institution (settings).")
    org_city = models.CharField(max_length=1000, blank=True)
    org_region = models.CharField(max_length=1000, blank=True)
    org_country = models.CharField(max_length=2, blank=True)
    org_identifier = models.CharField(max_length=200, blank=True, help_text="ROR, GRID, Ringgold or FundRef id.")
    org_source = models.CharField(max_length=10, blank=True, choices=[(s, s) for s in SOURCES])
    url = models.URLField(max_length=2000, blank=True)
    external_id_type = models.CharField(max_length=100, blank=True)
    external_id_value = models.CharField(max_length=2000, blank=True)
    external_id_url = models.URLField(max_length=2000, blank=True)
    approved = models.BooleanField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text="A snapshot import no longer listed it and set its end date."
    )
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The unit no longer lists this affiliation.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "local_id"], name="affiliation_unique_per_unit")]
        indexes = [models.Index(fields=["researcher", "unit"])]
        ordering = ["section", "-start_year"]

    def __str__(self) -> str:
        return f"{self.get_section_display()}: {self.role_title or self.department or self.organization().name}"

    def organization(self) -> Organization:
        """The organisation written to ORCID: the row's own, or the institution's."""
        if not clean_text(self.org_name):
            from orcid_client.organizations import institution

            return institution()
        return Organization(self.org_name, self.org_city, self.org_region, self.org_country,
                            self.org_identifier, self.org_source)

    @property
    def is_current(self) -> bool:
        """Not yet ended: what a snapshot import ends when the file leaves it out."""
        return self.end_year is None and self.removed_at is None
