import pytest

from tests.fixtures.works import WorkFactory
from works.models import Work, WorkType

pytestmark = pytest.mark.django_db


def test_work_types_are_orcids_list():
    values = {choice.value for choice in WorkType}
    assert {"journal-article", "book-chapter", "data-set", "preprint", "review", "blog-post", "public-speech", "undefined"} <= values
    assert len(values) == 59  # orcid-model's WorkType, with the 2023 additions


def test_a_work_with_a_doi_has_a_self_identifier_and_is_searchable_by_it():
    work = WorkFactory(external_ids=[{"type": "doi", "value": "10.1/x", "relationship": "self"}])
    work.refresh_from_db()
    assert work.has_self_id
    assert Work.objects.filter(identifiers_text__icontains="10.1/x").get() == work


def test_an_issn_alone_is_not_a_self_identifier():
    work = WorkFactory(external_ids=[{"type": "issn", "value": "0378-5955", "relationship": "part-of"}])
    assert not work.has_self_id
