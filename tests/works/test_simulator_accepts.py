"""ORCID (here its simulator, over real HTTP) accepts every work the serialiser produces, in
JSON and XML, and the ORCID record marks on the curation page come from the record itself."""

from __future__ import annotations

import pytest
import requests
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.works import ResearcherFactory, WorkFactory
from works.models import Work, WorkType
from works.orcid_serialization import work_payload, work_to_json, work_to_xml


pytestmark = pytest.mark.django_db


def new_record(simulator_url: str) -> dict:
    # Through the HTTP control interface of CONTRACT §6, as a campus test would.
    response = requests.post(f"{simulator_url}/_simulator/records", json={"name": "Ada Lovelace"}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def client_for(simulator_url: str):
    from orcid_client.client import OrcidClient

    return OrcidClient(base_url=simulator_url, api_url=simulator_url)


texts = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40)
eligible_works = st.builds(
    lambda title, subtitle, work_type, year, month, day, journal, n_people, isbn_chapter: Work(
        unit_id=1, local_id="hyp-1", title=title, subtitle=subtitle, work_type=work_type, publication_year=year,
        publication_month=month, publication_day=day, journal_title=journal, public=True, approved=True,
        external_ids=[{"type": "doi", "value": "10.5555/hypothesis.1", "relationship": "self"}]
        + ([{"type": "isbn", "value": "9780306406157", "relationship": "part-of"}] if isbn_chapter else [])
        + [{"type": "issn", "value": "0378-5955", "relationship": "part-of"}],
        contributors=[{"name": f"Person {i} {subtitle[:10]}", "orcid": "0000-0002-1825-0097" if i == 0 else "",
                       "role": "author"} for i in range(n_people)],
    ),
    title=st.one_of(texts, st.text(min_size=990, max_size=1500)),
    subtitle=texts,
    work_type=st.sampled_from(WorkType.values),
    year=st.one_of(st.none(), st.integers(1800, 2200)),
    month=st.one_of(st.none(), st.integers(1, 12)),
    day=st.one_of(st.none(), st.integers(1, 31)),
    journal=texts,
    n_people=st.integers(0, 120),
    isbn_chapter=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(work=eligible_works)
def test_the_simulator_accepts_every_generated_work_as_json_and_xml(orcid_simulator, work):
    if not work_payload(work).title:
        return
    record = new_record(orcid_simulator.url)
    client = client_for(orcid_simulator.url)
    put_code = client.work_create(orcid=record["orcid"], access_token=record["access_token"], body=work_to_json(work))
    assert put_code
    put_code_xml = client.work_create(orcid=record["orcid"], access_token=record["access_token"],
                                      body=work_to_xml(work).replace(b"hypothesis.1", b"hypothesis.2"))
    assert put_code_xml and put_code_xml != put_code
    stored = {item["put_code"]: item for item in orcid_simulator.record(record["orcid"])["items"]}
    assert stored[put_code]["body"]["title"]["title"]["value"] == work_payload(work).title
    summaries = client.works_read(orcid=record["orcid"], access_token=record["access_token"])
    assert {s.put_code for s in summaries} == {put_code, put_code_xml}
    assert all(("doi", "10.5555/hypothesis.1") in {(e.type, e.normalized) for e in s.self_ids} or
               ("doi", "10.5555/hypothesis.2") in {(e.type, e.normalized) for e in s.self_ids} for s in summaries)


def test_works_already_on_the_record_from_another_source_are_marked(orcid_simulator, settings):
    """The curation page reads the record (GET /works) and marks works another source put there."""
    from tests.fixtures.connections import OrcidConnectionFactory

    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    cache.clear()
    record = new_record(orcid_simulator.url)
    ada = ResearcherFactory(username="ada")
    OrcidConnectionFactory(user=ada, orcid=record["orcid"], access_token_plain=record["access_token"])
    WorkFactory(researcher=ada, title="Already there", external_ids=[
        {"type": "doi", "value": "10.5555/ada.2017.042", "relationship": "self"}])
    WorkFactory(researcher=ada, title="Not there yet")
    orcid_simulator.add_item(record["orcid"], kind="work", source_name="Crossref", body={
        "title": {"title": {"value": "The engine that weaves algebraic patterns"}}, "type": "journal-article",
        "external-ids": {"external-id": [{"external-id-type": "doi", "external-id-value": "https://doi.org/10.5555/ADA.2017.042",
                                          "external-id-relationship": "self"}]}})
    browser = Client()
    browser.force_login(ada)
    page = browser.get("/works/").content.decode()
    assert page.count("Already on your ORCID record, from Crossref") == 1
    position = page.index("Already on your ORCID record")
    assert page.rfind("Already there", 0, position) > page.rfind("Not there yet", 0, position)


def connected_ada(orcid_simulator):
    from tests.fixtures.connections import OrcidConnectionFactory

    cache.clear()
    record = orcid_simulator.create_record(name="Ada Lovelace")
    ada = ResearcherFactory(username="ada")
    OrcidConnectionFactory(user=ada, orcid=record["orcid"], access_token_plain=record["access_token"])
    WorkFactory(researcher=ada, title="Notes on the engine")
    browser = Client()
    browser.force_login(ada)
    return record, browser


def works_reads(orcid_simulator, orcid) -> list[dict]:
    return [c for c in orcid_simulator.calls() if c["method"] == "GET" and c["path"].endswith(f"{orcid}/works")]


def test_the_record_is_read_once_for_several_page_views(orcid_simulator):
    record, browser = connected_ada(orcid_simulator)
    for _ in range(3):
        assert browser.get("/works/").status_code == 200
    assert len(works_reads(orcid_simulator, record["orcid"])) == 1


def test_orcid_failing_does_not_break_the_page(orcid_simulator):
    record, browser = connected_ada(orcid_simulator)
    orcid_simulator.set_faults(error_rate=1.0, paths=["/works"])
    response = browser.get("/works/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Notes on the engine" in page
    assert "We could not read your ORCID record just now" in page
