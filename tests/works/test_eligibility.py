"""The one eligibility rule (CONTRACT §3): public, a `self` identifier ORCID accepts, approved."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.fixtures.works import UnitFactory, WorkFactory
from works.eligibility import work_eligibility

pytestmark = pytest.mark.django_db


def test_a_public_approved_work_with_a_doi_is_eligible():
    assert work_eligibility(WorkFactory(eligible=True)).eligible


def test_a_private_work_is_not_and_the_page_says_why():
    work = WorkFactory(eligible=True, private=True, unit=UnitFactory(name="University Library"))
    result = work_eligibility(work)
    assert not result.eligible
    assert result.reasons == ["University Library has not marked it public."]


def test_without_a_self_identifier_it_is_not():
    result = work_eligibility(WorkFactory(eligible=True, external_ids=[
        {"type": "issn", "value": "0378-5955", "relationship": "part-of"}]))
    assert not result.eligible
    assert "no identifier of its own" in result.reasons[0]


def test_a_chapters_isbn_is_not_a_self_identifier():
    work = WorkFactory(eligible=True, work_type="book-chapter",
                       external_ids=[{"type": "isbn", "value": "9780306406157", "relationship": "part-of"}])
    assert not work_eligibility(work).eligible


def test_a_work_waits_for_its_researchers_approval():
    assert work_eligibility(WorkFactory()).reasons == ["You have not approved it yet."]
    assert work_eligibility(WorkFactory(rejected=True)).reasons == ["You chose not to add it to ORCID."]


def test_a_work_the_unit_removed_is_not_eligible():
    work = WorkFactory(eligible=True, removed_at=timezone.now())
    assert "no longer lists" in work_eligibility(work).reasons[0]


def test_a_title_of_only_control_characters_counts_as_no_title():
    # Built, not saved: PostgreSQL refuses NUL in text, and the importers strip it before saving.
    assert "It has no title." in work_eligibility(WorkFactory.build(eligible=True, title="\x00\x01 \t")).reasons


def test_every_reason_is_given_at_once():
    work = WorkFactory(private=True, no_identifier=True)
    assert len(work_eligibility(work).reasons) == 3
