"""employments.eligibility: the rule in Python (`employment_eligibility`) and its SQL twin
(`employments_eligible_q`) agree on any employment (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from employments.eligibility import employment_eligibility, employments_eligible_q
from employments.models import Employment
from tests.fixtures.employments import EmploymentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def employment():
    return EmploymentFactory()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(approved=st.sampled_from([None, True, False]), removed=st.booleans(), requires_approval=st.booleans())
def test_the_sql_twin_selects_exactly_the_eligible_employments(employment, approved, removed, requires_approval):
    from django.utils import timezone

    employment.unit.requires_approval = requires_approval
    employment.unit.save(update_fields=["requires_approval"])
    employment.approved = approved
    employment.removed_at = timezone.now() if removed else None
    employment.save(update_fields=["approved", "removed_at"])
    selected = Employment.objects.filter(pk=employment.pk).filter(employments_eligible_q()).exists()
    assert selected == employment_eligibility(employment).eligible
