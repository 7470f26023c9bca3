"""Reads of the ledger for pages, the API and the admin."""

from __future__ import annotations

import pytest
from django.utils import timezone

from putcodes.models import OrcidItem
from putcodes.selectors import items_for_works, ledger_backlog, ledger_summary_by_researcher
from tests.fixtures.works import WorkFactory

pytestmark = pytest.mark.django_db


def _item(work, **fields):
    return OrcidItem.objects.create(
        unit=work.unit, researcher=work.researcher, orcid="0000-0002-0000-0009", kind="work",
        local_id=work.local_id, work=work, **fields,
    )


def test_items_for_works_maps_each_work_to_its_ledger_row_in_one_query(django_assert_num_queries):
    written, pending = WorkFactory(), WorkFactory()
    never = WorkFactory()
    a = _item(written, put_code=12, state="on_orcid")
    b = _item(pending, state="pending")
    with django_assert_num_queries(1):
        found = items_for_works([written.pk, pending.pk, never.pk])
    assert found == {written.pk: a, pending.pk: b}
    assert items_for_works([]) == {}


def test_the_backlog_counts_every_state():
    _item(WorkFactory(), state="pending")
    _item(WorkFactory(), state="error")
    _item(WorkFactory(), put_code=3, state="on_orcid")
    backlog = ledger_backlog()
    assert backlog["pending"] == 1 and backlog["error"] == 1 and backlog["on_orcid"] == 1
    assert backlog["withdrawn"] == 0


def test_the_ledger_summary_per_researcher():
    work = WorkFactory()
    now = timezone.now()
    _item(work, put_code=1, state="on_orcid", written_at=now)
    _item(WorkFactory(researcher=work.researcher), state="error")
    other = WorkFactory()
    summary = ledger_summary_by_researcher([work.researcher_id, other.researcher_id])
    assert summary[work.researcher_id] == {"on_orcid": 1, "errors": 1, "last_written_at": now}
    assert summary[other.researcher_id]["on_orcid"] == 0
