"""The dashboard that guides (issue 14): the next step, last and next sync, counts per section."""

from __future__ import annotations

import pytest

from putcodes.models import OrcidItem, SyncRun
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import ResearcherFactory, WorkFactory

pytestmark = pytest.mark.django_db


def test_a_researcher_not_connected_is_told_to_connect(client):
    ada = ResearcherFactory(username="ada")
    client.force_login(ada)
    page = client.get("/").content.decode()
    assert "Your next step" in page and "Connect your ORCID iD (the button above), so that" in page
    assert "Your ORCID<sup>®</sup> connection" in page  # the mark on first prominent use


def test_the_overview_counts_each_section_and_points_at_the_waiting_works(client):
    ada = ResearcherFactory(username="ada")
    OrcidConnectionFactory(user=ada)
    WorkFactory.create_batch(2, researcher=ada)  # waiting for a choice
    written = WorkFactory(researcher=ada, eligible=True)
    OrcidItem.objects.create(unit=written.unit, researcher=ada, orcid="0000-0002-1825-0097", kind="work",
                             local_id=written.local_id, work=written, put_code=5, state="on_orcid")
    EmploymentFactory(researcher=ada)
    SyncRun.objects.create(trigger=SyncRun.Trigger.SCHEDULE, status=SyncRun.Status.FINISHED,
                           finished_at="2026-01-01T00:00:00Z")
    client.force_login(ada)
    page = client.get("/").content.decode()
    assert "2 works wait for your choice" in page and "Choose for 2 works" in page
    assert '<tr data-kind="work">' in page and '<tr data-kind="employment">' in page
    assert "the portal's regular sync" in page and 'id="next-sync"><time' in page
