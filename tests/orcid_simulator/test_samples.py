"""Every official ORCID v3.0 write sample is accepted, in XML and in JSON, and what comes back is
ORCID's read format (valid against the read XSDs)."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from orcid_simulator.schema import schema_model

from .conftest import JSON, SAMPLES, XML, Api, error_code

WORK_SAMPLES_XML = ["write_samples/work-full-3.0.xml", "write_samples/work-simple-3.0.xml"]
WORK_SAMPLES_JSON = [
    "write_samples/work-full-3.0.json",
    "more/write-work-51-contributors-3.0.json",
    "more/write-work-with-NISO-roles-51-contributors-3.0.json",
]
EMPLOYMENT_SAMPLES = ["write_samples/employment-3.0.xml", "write_samples/employment-3.0.json",
                      "more/write-employment-3.0-fundref.xml"]


def _content_type(name: str) -> str:
    return JSON if name.endswith(".json") else XML


@pytest.mark.parametrize("name", WORK_SAMPLES_XML + WORK_SAMPLES_JSON)
def test_every_official_work_sample_is_accepted(api: Api, name):
    response = api.post_work((SAMPLES / name).read_bytes(), content_type=_content_type(name))
    put_code = api.put_code_of(response)
    assert response.headers["Location"].endswith(f"/v3.0/{api.orcid}/work/{put_code}")


@pytest.mark.parametrize("name", EMPLOYMENT_SAMPLES)
def test_every_official_employment_sample_is_accepted(api: Api, name):
    response = api.call("POST", "employment", (SAMPLES / name).read_bytes(), content_type=_content_type(name))
    assert response.status_code == 201, response.text
    assert "/employment/" in response.headers["Location"]


@pytest.mark.parametrize(("name", "expected"), [("write_samples/bulk-work-3.0.json", ["work", 9023]),
                                               ("write_samples/bulk-work-3.0.xml", ["work", "work"])])
def test_the_bulk_samples_are_accepted_item_by_item_as_orcid_does(api: Api, name, expected):
    """ORCID's JSON bulk sample holds a book chapter whose only id is a part-of ISBN; ORCID's
    ExternalIDValidator requires a `self` id for API writes, so that item comes back as 9023
    while the journal article is written: the bulk itself is accepted (200)."""
    response = api.call("POST", "works", (SAMPLES / name).read_bytes(), content_type=_content_type(name))
    assert response.status_code == 200, response.text
    results = response.json()["bulk"]
    outcome = [next(iter(r)) if "work" in r else r["error"]["error-code"] for r in results]
    assert outcome == expected
    assert results[0]["work"]["put-code"] > 0


def test_the_bulk_of_100_works_sample_is_accepted_and_every_work_written(api: Api):
    sample = json.loads((SAMPLES / "more/write-bulk-works-100-works-3.0.json").read_text())
    response = api.call("POST", "works", sample)
    assert response.status_code == 200, response.text
    results = response.json()["bulk"]
    assert len(results) == 100
    written = [r for r in results if "work" in r]
    assert len(written) + sum(1 for r in results if "error" in r) == 100
    works = api.call("GET", "works").json()
    assert sum(len(g["work-summary"]) for g in works["group"]) == len(written)


def test_the_bulk_of_3_works_sample_is_accepted(api: Api):
    response = api.call("POST", "works", (SAMPLES / "more/write-bulk-works-3-works-3.0.json").read_bytes(),
                        content_type=JSON)
    assert response.status_code == 200, response.text
    assert len(response.json()["bulk"]) == 3


@pytest.mark.parametrize("accept", [XML, "application/xml"])
def test_xml_answers_are_valid_against_orcids_read_schemas(api: Api, accept):
    put_code = api.put_code_of(api.post_work((SAMPLES / "write_samples/work-full-3.0.xml").read_bytes()))
    api.call("POST", "employment", (SAMPLES / "write_samples/employment-3.0.xml").read_bytes())
    model = schema_model()
    for path, root in [(f"work/{put_code}", "work"), ("works", "activities"), ("employments", "activities"),
                       ("record", "record")]:
        response = api.call("GET", path, accept=accept)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith(accept)
        model.validate(etree.fromstring(response.content), root)


def test_a_work_reads_back_in_json_as_written_plus_orcids_own_fields(api: Api):
    sample = json.loads((SAMPLES / "write_samples/work-full-3.0.json").read_text())
    put_code = api.put_code_of(api.post_work(sample))
    work = api.call("GET", f"work/{put_code}").json()
    assert work["put-code"] == put_code
    assert work["title"]["title"]["value"] == sample["title"]["title"]["value"]
    assert work["type"] == "journal-article"
    assert work["publication-date"]["month"]["value"] == "05"
    assert work["source"]["source-client-id"]["path"] == "APP-DEMO000000000001"
    assert work["source"]["source-name"]["value"]
    assert work["visibility"] == "public"
    assert work["path"] == f"/{api.orcid}/work/{put_code}"
    assert isinstance(work["created-date"]["value"], int)
    assert [e["external-id-relationship"] for e in work["external-ids"]["external-id"]] == ["part-of", "self"]


def test_broken_xml_is_rejected_with_9001(api: Api):
    response = api.post_work(b"<work:work xmlns:work='http://www.orcid.org/ns/work'><oops/></work:work>")
    assert response.status_code == 400
    assert error_code(response) == 9001
    assert "Full validation error" in response.json()["developer-message"]


def test_xml_that_is_not_xml_is_rejected_with_9001(api: Api):
    assert error_code(api.post_work(b"<work:work")) == 9001


def test_json_with_an_unknown_field_is_rejected_with_9047(api: Api):
    """Jackson's JsonMappingException: OrcidJacksonJaxbJsonProvider answers InvalidJSONException."""
    sample = json.loads((SAMPLES / "write_samples/work-full-3.0.json").read_text())
    sample["journal-name"] = "not an ORCID field"
    response = api.post_work(sample)
    assert response.status_code == 400
    assert error_code(response) == 9047
    assert response.json()["developer-message"].startswith("400 Bad request: invalid JSON - ${error} Full validation")


def test_json_that_is_not_json_is_still_9001(api: Api):
    response = api.call("POST", "work", b"{not json", content_type="application/vnd.orcid+json")
    assert response.status_code == 400 and error_code(response) == 9001


def test_a_work_without_a_type_is_9001_in_xml_and_9037_in_json_as_on_orcid(api: Api):
    """ORCID validates XML against the XSD before its own rules; JSON has no XSD step there, so
    ActivityValidator answers: "Invalid work type, valid values are: ..."."""
    sample = json.loads((SAMPLES / "write_samples/work-full-3.0.json").read_text())
    del sample["type"]
    response = api.post_work(sample)
    assert error_code(response) == 9037
    assert response.json()["developer-message"].startswith("Invalid work type, valid values are: annotation,")
    xml = etree.fromstring((SAMPLES / "write_samples/work-simple-3.0.xml").read_bytes())
    xml.remove(xml.find("{http://www.orcid.org/ns/work}type"))
    assert error_code(api.post_work(etree.tostring(xml))) == 9001


def test_an_element_out_of_order_fails_the_schema(api: Api):
    xml = (SAMPLES / "write_samples/work-simple-3.0.xml").read_text()
    tree = etree.fromstring(xml.encode())
    title = tree.find("{http://www.orcid.org/ns/work}title")
    tree.remove(title)
    tree.append(title)
    assert error_code(api.post_work(etree.tostring(tree))) == 9001


def test_errors_come_as_xml_when_xml_is_asked_for(api: Api):
    response = api.post_work(b"<nope/>", accept=XML)
    assert response.status_code == 400
    error = etree.fromstring(response.content)
    schema_model().validate(error, "error")
    assert error.findtext("{http://www.orcid.org/ns/error}error-code") == "9001"
