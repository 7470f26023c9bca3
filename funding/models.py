"""Funding (grants, contracts, awards) that the research office lists for researchers:
ORCID's `/funding` section."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from orcid_client.organizations import SOURCES, Organization


class FundingType(models.TextChoices):
    """ORCID's funding types (orcid-model FundingType)."""

    GRANT = "grant", "Grant"
    CONTRACT = "contract", "Contract"
    AWARD = "award", "Award"
    SALARY_AWARD = "salary-award", "Salary award"


class FundingRole(models.TextChoices):
    """The researcher's role on the funding (orcid-model FundingContributorRole)."""

    LEAD = "lead", "Lead"
    CO_LEAD = "co-lead", "Co-lead"
    SUPPORTED_BY = "supported-by", "Supported by"
    OTHER_CONTRIBUTION = "other-contribution", "Other contribution"


class Funding(models.Model):
    """One funding of a researcher, keyed by the unit's `local_id`. The funder is a
    disambiguated organisation; the grant number is written as the `self` external id."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="fundings")
    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fundings")
    local_id = models.CharField(max_length=200)
    title = models.CharField(max_length=1000)
    funding_type = models.CharField(max_length=20, choices=FundingType.choices, default=FundingType.GRANT)
    funder_name = models.CharField(max_length=1000)
    funder_city = models.CharField(max_length=1000, blank=True)
    funder_region = models.CharField(max_length=1000, blank=True)
    funder_country = models.CharField(max_length=2, blank=True)
    funder_identifier = models.CharField(max_length=200, blank=True)
    funder_source = models.CharField(max_length=10, blank=True, choices=[(s, s) for s in SOURCES])
    grant_number = models.CharField(max_length=2000, blank=True)
    grant_url = models.URLField(max_length=2000, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code.")
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    start_month = models.PositiveSmallIntegerField(null=True, blank=True)
    start_day = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    end_day = models.PositiveSmallIntegerField(null=True, blank=True)
    role = models.CharField(max_length=20, choices=FundingRole.choices, blank=True)
    approved = models.BooleanField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="The unit no longer lists this funding.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "local_id"], name="funding_unique_per_unit"),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | ~models.Q(currency=""), name="funding_amount_has_currency"
            ),
        ]
        indexes = [models.Index(fields=["researcher", "unit"])]
        ordering = ["-start_year", "title"]

    def __str__(self) -> str:
        return self.title

    def funder(self) -> Organization:
        return Organization(self.funder_name, self.funder_city, self.funder_region, self.funder_country,
                            self.funder_identifier, self.funder_source)

    @property
    def amount_text(self) -> str:
        """The amount as written to ORCID: plain digits, a point and the cents when there are any."""
        if self.amount is None:
            return ""
        amount = Decimal(self.amount)
        return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
