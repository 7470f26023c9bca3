"""The eligibility rule of affiliations and funding, and its queryset twin: the two agree in
every case (table-driven)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from affiliations.eligibility import affiliation_eligibility, affiliations_eligible_q
from affiliations.models import Affiliation
from funding.eligibility import funding_eligibility, fundings_eligible_q
from funding.models import Funding
from tests.fixtures.affiliations import AffiliationFactory, FundingFactory
from tests.fixtures.works import UnitFactory

pytestmark = pytest.mark.django_db

CASES = [
    # (unit requires approval, approved, removed, eligible)
    (False, None, False, True),
    (False, True, False, True),
    (False, False, False, False),
    (True, None, False, False),
    (True, True, False, True),
    (True, False, False, False),
    (False, None, True, False),
    (True, True, True, False),
]


@pytest.mark.parametrize("requires_approval,approved,removed,eligible", CASES)
def test_affiliation_rule_and_its_queryset_twin_agree(requires_approval, approved, removed, eligible):
    unit = UnitFactory(code=f"u{int(requires_approval)}", requires_approval=requires_approval)
    affiliation = AffiliationFactory(unit=unit, approved=approved, removed_at=timezone.now() if removed else None)
    assert affiliation_eligibility(affiliation).eligible is eligible
    assert Affiliation.objects.filter(affiliations_eligible_q(), pk=affiliation.pk).exists() is eligible


@pytest.mark.parametrize("requires_approval,approved,removed,eligible", CASES)
def test_funding_rule_and_its_queryset_twin_agree(requires_approval, approved, removed, eligible):
    unit = UnitFactory(code=f"u{int(requires_approval)}", requires_approval=requires_approval)
    funding = FundingFactory(unit=unit, approved=approved, removed_at=timezone.now() if removed else None)
    assert funding_eligibility(funding).eligible is eligible
    assert Funding.objects.filter(fundings_eligible_q(), pk=funding.pk).exists() is eligible
