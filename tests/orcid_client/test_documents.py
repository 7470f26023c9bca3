"""ORCID's v3.0 documents (its official samples) parse into the same dataclasses from XML and JSON."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from orcid_client import documents, errors

SAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "orcid-model" / "samples"


def read(path):
    return (SAMPLES / path).read_bytes()


def test_works_xml_lists_every_summary_with_its_identifiers():
    works = documents.works_from_xml(read("read_samples/works-3.0.xml"))
    assert [w.put_code for w in works][:2] == [3356, 3357]
    first, second = works[0], works[1]
    assert first.title == "Work # 0"
    assert first.type == "conference-paper"
    assert first.visibility == "public"
    assert first.publication_year == 2017
    assert first.source_orcid == "8888-8888-8888-8880"
    assert second.self_ids[0].type == "arxiv"
    assert second.self_ids[0].normalized == "123456"


def test_record_json_gives_name_works_and_employments_with_client_source():
    record = documents.record_from_json(json.loads(read("more/read-record-full-3.0.json")), "0000-0002-7319-2192")
    assert record.name == "Three releasecandidate1"
    work = record.works[0]
    assert work.put_code == 178602
    assert work.source_client_id == "APP-OQYKBIN9CXD9U3SH"
    assert work.is_from_client("APP-OQYKBIN9CXD9U3SH")
    assert work.external_ids[0].normalized == "10.1087/20120404"
    employment = record.employments[0]
    assert employment.put_code == 9266
    assert employment.country == "AF"
    assert employment.disambiguation_source == "FUNDREF"
    assert employment.start_date == "1948-02-02"


def test_employments_xml_parses_organisation_and_dates():
    employments = documents.affiliations_from_xml(read("read_samples/employments-3.0.xml"))
    assert employments[0].department_name == "employment"
    assert employments[0].city == "x"
    assert employments[0].country == "AS"
    assert employments[0].end_date == "1948-02-02"


def test_bulk_answer_gives_put_codes_and_typed_errors_in_order():
    results = documents.bulk_results_from_xml(read("read_samples/bulk-work-err.xml"))
    assert results[0] == 156043
    assert isinstance(results[1], errors.Invalid)
    assert results[1].error_code == 9037


def test_bulk_answer_json():
    answer = {
        "bulk": [
            {"work": {"put-code": 11, "title": {"title": {"value": "A"}}}},
            {"error": {"response-code": 409, "developer-message": "please see element with put-code 7.", "error-code": 9021}},
        ]
    }
    results = documents.bulk_results_from_json(answer)
    assert results[0] == 11
    assert isinstance(results[1], errors.Duplicate) and results[1].put_code == 7


def test_put_code_is_set_on_the_xml_root_and_the_json_key():
    xml = documents.with_put_code(read("write_samples/work-simple-3.0.xml"), 42)
    assert etree.fromstring(xml).get("put-code") == "42"
    body = json.loads(read("write_samples/work-full-3.0.json"))
    updated = documents.with_put_code(body, 42)
    assert updated["put-code"] == 42
    assert "put-code" not in body or body["put-code"] != 42  # the caller's body is left alone


def test_bulk_request_wraps_single_work_bodies():
    xml = documents.bulk_request([read("write_samples/work-simple-3.0.xml")] * 3)
    root = etree.fromstring(xml)
    assert etree.QName(root).localname == "bulk"
    assert len(root) == 3
    body = json.loads(read("write_samples/work-full-3.0.json"))
    assert documents.bulk_request([body, body]) == {"bulk": [{"work": body}, {"work": body}]}


def test_token_repr_hides_the_tokens():
    token = documents.OrcidToken.from_json(
        {
            "access_token": "aaaa-secret-access",
            "refresh_token": "rrrr-secret-refresh",
            "expires_in": 631138518,
            "scope": "/activities/update /read-limited",
            "name": "Sofia Maria Hernandez Garcia",
            "orcid": "0000-0002-1825-0097",
        }
    )
    assert "secret" not in repr(token) and "secret" not in str(token)
    assert token.scopes == {"/activities/update", "/read-limited"}
    assert token.expires_in == 631138518


# ---------------------------------------------------------------------------------------------
# JSON on the wire (orjson, with json behind it)
# ---------------------------------------------------------------------------------------------
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_a_body_is_sent_as_the_json_it_is(body):
    sent = documents.encode_body(body)
    assert json.loads(sent.decode("utf-8")) == body
    assert documents.decode_json(sent) == body


def test_what_the_fast_encoder_refuses_is_still_sent():
    # A lone surrogate (text cut in the middle of a pair), a key that is not a string, an
    # integer beyond 64 bits: json writes them, so the body goes out as before.
    for body in ({"title": "cut \ud83d"}, {1: "one"}, {"n": 2**70}):
        assert documents.encode_body(body) == json.dumps(body).encode("utf-8")


def test_an_answer_in_another_encoding_or_with_a_byte_order_mark_is_read():
    data = {"put-code": 12, "title": "Ünïcödé"}
    text = json.dumps(data, ensure_ascii=False)
    for raw in (text.encode("utf-16"), text.encode("utf-32"), "\ufeff".encode() + text.encode("utf-8")):
        assert documents.decode_json(raw) == data
    for raw in (b"", b"<html>Bad gateway</html>", b"\xff\xfe\xff"):
        with pytest.raises(ValueError):
            documents.decode_json(raw)
