"""employments/eligibility.py: CONTRACT §3, employment items need no approval unless the unit asks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from employments.eligibility import REASON_AWAITING_APPROVAL, REASON_DECLINED, REASON_REMOVED, employment_eligibility
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UnitFactory

pytestmark = pytest.mark.django_db


def test_hr_employment_needs_no_approval():
    assert employment_eligibility(EmploymentFactory()).eligible


def test_a_unit_that_asks_for_approval_waits_for_the_researcher():
    unit = UnitFactory(code="medicine", requires_approval=True)
    result = employment_eligibility(EmploymentFactory(unit=unit))
    assert not result.eligible and result.reasons == [REASON_AWAITING_APPROVAL]
    assert employment_eligibility(EmploymentFactory(unit=unit, approved=True)).eligible


def test_a_researcher_may_decline_even_without_approval_required():
    result = employment_eligibility(EmploymentFactory(approved=False))
    assert not result.eligible and result.reasons == [REASON_DECLINED]


def test_an_employment_hr_removed_is_not_eligible():
    result = employment_eligibility(EmploymentFactory(removed_at=timezone.now(), approved=True))
    assert not result.eligible and result.reasons == [REASON_REMOVED]


def test_pausing_the_unit_does_not_make_items_ineligible():
    # Pausing stops writing; it must not turn into deletions.
    employment = EmploymentFactory()
    employment.unit.paused = True
    assert employment_eligibility(employment).eligible
