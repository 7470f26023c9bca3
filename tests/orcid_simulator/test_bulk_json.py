"""A bulk answer in JSON is built without its XML (rendering.bulk_json): it must be exactly what
converting the XML answer gives (schema.xml_to_json of rendering.bulk_element), key order too."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from orcid_simulator import rendering
from orcid_simulator.errors import ApiError
from orcid_simulator.schema import schema_model
from orcid_simulator.state import Simulator

from .conftest import SAMPLES

WORK_SAMPLES = ["write_samples/work-full-3.0.xml", "write_samples/work-simple-3.0.xml",
                "write_samples/work-full-3.0.json", "more/write-work-51-contributors-3.0.json",
                "more/write-work-with-NISO-roles-51-contributors-3.0.json"]


def _work(name: str) -> etree._Element:
    model = schema_model()
    if name.endswith(".json"):
        return model.json_to_xml(json.loads((SAMPLES / name).read_text()), model.element("work", "work"))
    return etree.fromstring((SAMPLES / name).read_bytes())


def _via_xml(results) -> str:
    model = schema_model()
    return json.dumps(model.xml_to_json(rendering.bulk_element(results), model.element("bulk", "bulk")))


@pytest.mark.parametrize("name", WORK_SAMPLES)
def test_bulk_json_is_the_xml_answer_converted(name):
    simulator = Simulator(demo_client_id="APP-BULKJSON", demo_client_secret="secret", seed=1)
    client = simulator.clients["APP-BULKJSON"]
    record = simulator.create_record()
    work = _work(name)
    # A work ORCID already holds (put-code, visibility, source and dates in the body) is stored
    # without them; an attribute of its own that is not the answer's is not shown.
    work.set("put-code", "12")
    results = simulator.create_items_bulk(orcid=record.orcid, elements=[work, ApiError(9023), work],
                                          client=client)
    assert isinstance(results[0], rendering.Item) and isinstance(results[2], ApiError)
    assert json.dumps(rendering.bulk_json(results)) == _via_xml(results)


def test_bulk_json_of_items_from_another_source_and_visibility():
    simulator = Simulator(demo_client_id="APP-BULKJSON", demo_client_secret="secret", seed=2)
    other = simulator.register_client(client_id="APP-OTHER", name="Crossref Metadata Search")
    record = simulator.create_record()
    record.default_visibility = "limited"
    item = simulator.create_item(orcid=record.orcid, kind="work", body=_work("write_samples/work-full-3.0.xml"),
                                 client=other)
    assert json.dumps(rendering.bulk_json([item])) == _via_xml([item])


def test_json_answers_are_encoded_as_json_dumps_encodes_them():
    from orcid_simulator.app import JSON_ENCODER

    simulator = Simulator(demo_client_id="APP-BULKJSON", demo_client_secret="secret", seed=3)
    client = simulator.clients["APP-BULKJSON"]
    record = simulator.create_record()
    works = [_work(name) for name in WORK_SAMPLES]
    works[0].find(".//{http://www.orcid.org/ns/common}title").text = "Ünïcode \u2603 \U0001f600 \"quotes\" \\ \t"
    results = simulator.create_items_bulk(orcid=record.orcid, elements=[*works, ApiError(9023)], client=client)
    for data in (rendering.bulk_json(results), {"a": [1.5, float("nan"), None, True, {"b": "\u0000"}]}):
        assert JSON_ENCODER.encode(data) == json.dumps(data)
