"""Standing preferences (issue 14): off by default, made and removed on the dashboard, applied
when an import creates a new work for the researcher, and recorded as the researcher's choice."""

from __future__ import annotations

import io

import pytest

from accounts.models import ConsentEvent
from units.importing.engine import import_stream
from works.importers import WORKS
from works.models import Work, WorkPreference
from tests.fixtures.works import ResearcherFactory, UnitFactory, WorkFactory

pytestmark = pytest.mark.django_db

HEADER = "institutional_id,local_id,title,type,publication_date,doi,public\n"


def _import(unit, rows: str):
    return import_stream(kind=WORKS, unit=unit, stream=io.BytesIO((HEADER + rows).encode()), fmt="csv")


def test_new_works_wait_for_a_choice_unless_the_researcher_asked_otherwise():
    ada = ResearcherFactory(username="ada")
    library, lab = UnitFactory(code="library"), UnitFactory(code="lab")
    _import(library, "ada,L1,First,journal-article,2020,10.1/one,true\n")
    assert Work.objects.get(local_id="L1").approved is None  # off by default
    WorkPreference.objects.create(researcher=ada, unit=library, work_type="journal-article")
    _import(library, "ada,L2,Second,journal-article,2021,10.1/two,true\nada,L3,A book,book,2021,10.1/three,true\n")
    _import(lab, "ada,X1,Elsewhere,journal-article,2021,10.1/four,true\n")
    assert Work.objects.get(local_id="L2").approved is True
    assert Work.objects.get(local_id="L3").approved is None  # another type
    assert Work.objects.get(local_id="X1").approved is None  # another unit
    assert Work.objects.get(local_id="L1").approved is None  # not retroactive
    event = ConsentEvent.objects.get(local_id="L2")
    assert event.approved is True and event.via == ConsentEvent.Via.PREFERENCE


def test_a_preference_is_shown_made_and_removed_on_the_dashboard(client):
    ada = ResearcherFactory(username="ada")
    work = WorkFactory(researcher=ada)
    client.force_login(ada)
    page = client.get("/").content.decode()
    assert "Standing choices" in page and "None: every new work waits for your choice." in page
    client.post("/works/preferences/", {"unit": work.unit_id, "work_type": ""})
    page = client.get("/").content.decode()
    assert f"New works from {work.unit.name}: added to your ORCID record automatically" in page
    preference = WorkPreference.objects.get(researcher=ada)
    other = ResearcherFactory(username="bob")
    client.force_login(other)
    client.post(f"/works/preferences/{preference.pk}/remove/")
    assert WorkPreference.objects.filter(pk=preference.pk).exists()  # only its owner removes it
    client.force_login(ada)
    client.post(f"/works/preferences/{preference.pk}/remove/")
    assert not WorkPreference.objects.exists()
