"""Reading ORCID for the units, over HTTP against the simulator: the orcid-works API (CONTRACT
§4) and harvest_orcid_works (CONTRACT §3), which lists exactly the works the unit lacks."""

from __future__ import annotations

import csv

import pytest
import requests
from django.core.management import call_command

from tests.fixtures.connections import api_key_for
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from units.models import ApiAuditEvent


def work_json(doi: str | None, *, title: str) -> dict:
    body = {"title": {"title": {"value": title}}, "type": "journal-article"}
    if doi:
        body["external-ids"] = {"external-id": [
            {"external-id-type": "doi", "external-id-value": doi, "external-id-relationship": "self"}]}
    return body


@pytest.fixture
def harvest_env(sync_env):
    """ada: one library work synced by the portal, one the library holds that Crossref also
    put there (its DOI in other case), one new work from Crossref and Scopus both; bob: one new
    work; cy: not connected."""
    library = UnitFactory(code="library", name="Library")
    ada, ada_connection = sync_env.researcher(username="ada", works=1, unit=library)
    bob, bob_connection = sync_env.researcher(username="bob")
    UserFactory(username="cy")
    WorkFactory(unit=library, researcher=ada,
                external_ids=[{"type": "doi", "value": "10.5555/Held.1", "relationship": "self"}])
    sync_env.sync()
    sim = sync_env.simulator
    sim.add_item(ada_connection.orcid, body=work_json("10.5555/HELD.1", title="Held already"))
    sim.add_item(ada_connection.orcid, body=work_json("10.5555/new.1", title="New to the library"))
    sim.add_item(ada_connection.orcid, body=work_json("10.5555/NEW.1", title="New to the library"),
                 source_name="Scopus - Elsevier")
    sim.add_item(bob_connection.orcid, body=work_json("10.5555/new.3", title="Bob's new one"))
    return {"library": library, "ada": ada, "bob": bob, "ada_orcid": ada_connection.orcid}


def test_harvest_lists_exactly_the_works_the_unit_lacks(harvest_env, tmp_path, capsys):
    output = tmp_path / "harvest.csv"
    call_command("harvest_orcid_works", "--unit", "library", "--output", str(output))
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert sorted((row["institutional_id"], row["doi"].lower()) for row in rows) == [
        ("ada", "10.5555/new.1"), ("bob", "10.5555/new.3"),
    ]
    assert all(row["public"] == "" for row in rows)
    assert {row["title"] for row in rows} == {"New to the library", "Bob's new one"}
    assert all(row["local_id"].startswith("orcid-") and row["type"] == "journal-article" for row in rows)
    assert "researchers=2 works=2" in capsys.readouterr().err


def test_harvest_output_imports_back_and_then_nothing_is_lacking(harvest_env, tmp_path):
    output = tmp_path / "harvest.csv"
    call_command("harvest_orcid_works", "--unit", "library", "--output", str(output))
    call_command("import_works", str(output), "--unit", "library")
    again = tmp_path / "again.csv"
    call_command("harvest_orcid_works", "--unit", "library", "--output", str(again))
    assert list(csv.DictReader(again.open(encoding="utf-8"))) == []


@pytest.mark.django_db(transaction=True)
def test_orcid_works_api_pages_through_every_source_and_is_audited(harvest_env, live_server):
    key = api_key_for(scopes=["orcid:read"], unit_code="library")
    url = f"{live_server.url}/api/v1/researchers/ada/orcid-works"
    headers = {"Authorization": f"Bearer {key}"}
    first = requests.get(url, headers=headers, timeout=30)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["count"] == 4 and body["next"] is None and body["orcid"] == harvest_env["ada_orcid"]
    sources = {work["source"]["name"] for work in body["results"]}
    assert "Scopus - Elsevier" in sources and any(work["source"]["is_portal"] for work in body["results"])
    seen, page = [], f"{url}?limit=1"
    while page:
        answer = requests.get(page, headers=headers, timeout=30).json()
        seen += [work["put_code"] for work in answer["results"]]
        page = answer["next"]
    assert sorted(seen) == sorted(work["put_code"] for work in body["results"])
    assert ApiAuditEvent.objects.filter(institutional_id="ada", path__endswith="/orcid-works").count() >= 2


@pytest.mark.django_db(transaction=True)
def test_orcid_works_api_needs_the_orcid_read_scope(harvest_env, live_server):
    key = api_key_for(scopes=["works:curate"], unit_code="library")
    answer = requests.get(f"{live_server.url}/api/v1/researchers/ada/orcid-works",
                          headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_orcid_works_api_of_an_unconnected_researcher_is_a_conflict(harvest_env, live_server):
    key = api_key_for(scopes=["orcid:read"], unit_code="library")
    answer = requests.get(f"{live_server.url}/api/v1/researchers/cy/orcid-works",
                          headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 409 and "message" in answer.json()


@pytest.mark.django_db(transaction=True)
def test_harvest_reads_records_in_parallel_with_the_same_result(harvest_env, tmp_path, settings):
    settings.ORCID_SYNC_WORKERS = 4
    output = tmp_path / "harvest.csv"
    call_command("harvest_orcid_works", "--unit", "library", "--output", str(output))
    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert sorted((row["institutional_id"], row["doi"].lower()) for row in rows) == [
        ("ada", "10.5555/new.1"), ("bob", "10.5555/new.3"),
    ]
