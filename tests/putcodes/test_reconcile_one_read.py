"""The reconcile reads each record ONCE, whatever its number of kinds (issue 17, item 2): one
GET /v3.0/{orcid}/activities for works, employments, the six affiliation sections and funding,
counted on the simulator; the ledger is updated in bulk."""

from __future__ import annotations

import pytest

from putcodes.models import OrcidItem
from putcodes.reconcile import researcher_reconcile
from tests.fixtures.affiliations import AffiliationFactory, FundingFactory, RegistryUnitFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import WorkFactory

pytestmark = pytest.mark.django_db

SIX_SECTIONS = ("education", "qualification", "invited-position", "distinction", "membership", "service")


@pytest.fixture
def every_kind(sync_env):
    researcher, connection = sync_env.researcher(works=0)
    WorkFactory(researcher=researcher, eligible=True)
    EmploymentFactory(researcher=researcher)
    registry = RegistryUnitFactory()
    for section in SIX_SECTIONS:
        AffiliationFactory(researcher=researcher, unit=registry, section=section)
    FundingFactory(researcher=researcher)
    sync_env.sync()
    on_orcid = OrcidItem.objects.filter(researcher=researcher, state="on_orcid")
    assert sorted(on_orcid.values_list("kind", flat=True)) == sorted(
        ["work", "employment", *SIX_SECTIONS, "funding"]
    )
    sync_env.simulator.clear_calls()
    return researcher, connection


def _reads(sync_env) -> list[str]:
    return [call["path"] for call in sync_env.simulator.calls() if call["method"] == "GET" and "/v3.0/" in call["path"]]


def test_the_reconcile_of_a_record_with_every_kind_makes_one_read(sync_env, every_kind):
    researcher, connection = every_kind

    result = researcher_reconcile(researcher=researcher)

    assert result.reads == 1 and not result.skipped
    assert _reads(sync_env) == [f"/v3.0/{connection.orcid}/activities"]
    assert sync_env.write_calls() == 0


def test_deletions_in_every_section_are_found_by_that_one_read(sync_env, every_kind):
    researcher, connection = every_kind
    items = list(OrcidItem.objects.filter(researcher=researcher).order_by("pk"))
    gone = [item for item in items if item.kind in ("work", "membership", "funding")]
    for item in gone:
        sync_env.simulator.researcher_delete(connection.orcid, item.put_code)
    hidden = next(item for item in items if item.kind == "service")
    sync_env.simulator.researcher_set_visibility(connection.orcid, hidden.put_code, "private")

    result = researcher_reconcile(researcher=researcher)

    assert result.reads == 1
    assert sorted(result.deleted_on_orcid) == sorted(item.pk for item in gone)
    states = dict(OrcidItem.objects.filter(researcher=researcher).values_list("pk", "state"))
    assert {pk for pk, state in states.items() if state == "deleted_on_orcid"} == {item.pk for item in gone}
    hidden.refresh_from_db()
    assert hidden.visibility == "private" and hidden.state == "on_orcid"
