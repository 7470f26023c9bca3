"""works.eligibility: the rule in Python (`work_eligibility`) and its SQL twin
(`works_eligible_q`, `works_data_ok_q`) agree on any work (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from orcid_client.identifiers import SELF_TYPES
from tests.fixtures.works import UnitFactory, UserFactory
from works.eligibility import work_eligibility, works_data_ok_q, works_eligible_q
from works.models import Work

pytestmark = pytest.mark.django_db

_ID_TYPES = sorted(SELF_TYPES) + ["issn", "other-id", ""]
# Any text a file can bring but NUL and lone surrogates, which no importer lets through
# (orcid_client.text.clean_text) and PostgreSQL cannot store: this test writes rows directly.
_chars = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
_text = st.text(alphabet=_chars, max_size=12)
_identifiers = st.lists(
    st.fixed_dictionaries({
        "type": st.sampled_from(_ID_TYPES),
        "value": st.one_of(st.just(""), st.just("  "), _text),
        "relationship": st.sampled_from(["self", "part-of", "version-of", ""]),
    }),
    max_size=3,
)
_titles = st.one_of(
    st.text(alphabet=_chars, max_size=20),
    st.sampled_from(["", " ", "\t\n", "\x07", "\u00a0", "\u3000", "\u200b", "\x85", "A", " A study "]),
)
_works = st.fixed_dictionaries({
    "title": _titles,
    "public": st.booleans(),
    "approved": st.sampled_from([None, True, False]),
    "removed": st.booleans(),
    "external_ids": _identifiers,
})


@pytest.fixture
def owner():
    return UnitFactory(code="twin"), UserFactory(username="twin")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_works)
def test_the_sql_twin_selects_exactly_the_eligible_works(owner, data):
    from django.utils import timezone

    unit, researcher = owner
    work = Work.objects.create(
        unit=unit, researcher=researcher, local_id="w", title=data["title"].replace("\x00", ""),
        public=data["public"], approved=data["approved"], external_ids=data["external_ids"],
        removed_at=timezone.now() if data["removed"] else None,
    )
    try:
        eligibility = work_eligibility(work)
        row = Work.objects.filter(pk=work.pk)
        assert row.filter(works_eligible_q()).exists() == eligibility.eligible
        assert row.filter(works_data_ok_q()).exists() == (not eligibility.blocked_by_data)
    finally:
        work.delete()
