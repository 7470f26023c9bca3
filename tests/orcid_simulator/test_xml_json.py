"""XML -> JSON runs through converters compiled once per element type (orcid_simulator.xml_json);
they must answer exactly what SchemaModel._to_json's walk answers, key order included."""

from __future__ import annotations

import copy
import json

import pytest
from lxml import etree

from orcid_simulator import rendering, xml_json
from orcid_simulator.errors import ApiError
from orcid_simulator.schema import NS, schema_model
from orcid_simulator.state import Simulator

from .conftest import SAMPLES

XML_SAMPLES = sorted(str(path.relative_to(SAMPLES)) for path in SAMPLES.glob("*/*.xml"))
JSON_SAMPLES = {
    "write_samples/work-full-3.0.json": ("work", "work"),
    "more/write-work-51-contributors-3.0.json": ("work", "work"),
    "more/write-work-with-NISO-roles-51-contributors-3.0.json": ("work", "work"),
    "write_samples/bulk-work-3.0.json": ("bulk", "bulk"),
    "more/write-bulk-works-3-works-3.0.json": ("bulk", "bulk"),
    "write_samples/employment-3.0.json": ("employment", "employment"),
}
_PREFIX = {uri: prefix for prefix, uri in NS.items()}


def _decl(element: etree._Element):
    qname = etree.QName(element)
    return schema_model().element(_PREFIX[qname.namespace], qname.localname)


def _same(element: etree._Element, decl=None, parent: str | None = None) -> None:
    model = schema_model()
    decl = decl or _decl(element)
    compiled = model.xml_to_json(element, decl) if parent is None else model.element_json(element, decl, parent)
    walked = model._to_json(element, decl, parent)
    assert json.dumps(compiled) == json.dumps(walked)


def _variants(element: etree._Element):
    """The element, then with each element's first child gone (fields missing, lists emptied),
    then with comments and processing instructions between all children."""
    yield element
    thinned = copy.deepcopy(element)
    for node in list(thinned.iter()):
        children = [c for c in node if isinstance(c.tag, str)]
        if children and node is not thinned:
            node.remove(children[0])
    yield thinned
    noisy = copy.deepcopy(element)
    for node in list(noisy.iter(etree.Element)):
        node.insert(0, etree.Comment("c"))
        node.append(etree.ProcessingInstruction("pi", "x"))
    yield noisy


@pytest.mark.parametrize("name", XML_SAMPLES)
def test_every_xml_sample_converts_as_the_walk_does(name):
    for element in _variants(etree.fromstring((SAMPLES / name).read_bytes())):
        _same(element)


@pytest.mark.parametrize("name", sorted(JSON_SAMPLES))
def test_every_json_sample_read_back_converts_as_the_walk_does(name):
    model = schema_model()
    element = model.json_to_xml(json.loads((SAMPLES / name).read_text()), model.element(*JSON_SAMPLES[name]))
    for variant in _variants(element):
        _same(variant)


def test_answers_of_every_kind_convert_as_the_walk_does():
    simulator = Simulator(demo_client_id="APP-XMLJSON", demo_client_secret="secret", seed=3)
    client = simulator.clients["APP-XMLJSON"]
    record = simulator.create_record()
    work = etree.fromstring((SAMPLES / "write_samples/work-full-3.0.xml").read_bytes())
    employment = etree.fromstring((SAMPLES / "write_samples/employment-3.0.xml").read_bytes())
    items = simulator.create_items_bulk(orcid=record.orcid, elements=[work, ApiError(9023), work], client=client)
    item = simulator.create_item(orcid=record.orcid, kind="employment", body=employment, client=client)
    for kind in ("education", "funding"):
        body = copy.deepcopy(employment if kind != "funding" else work)
        simulator.records[record.orcid].items[9000 + len(kind)] = rendering.Item(
            9000 + len(kind), kind, record.orcid, client.client_id, client.name, "public", item.created,
            item.modified, body)
    by_kind = {kind: [i for i in simulator.records[record.orcid].items.values() if i.kind == kind]
               for kind in rendering.SECTIONS}
    _same(rendering.record_element(simulator.records[record.orcid], by_kind))
    _same(rendering.activities_element(simulator.records[record.orcid], by_kind))
    _same(rendering.bulk_element(items))
    _same(rendering.item_element(item))
    _same(rendering.item_element(items[0]), schema_model().element("bulk", "bulk").child("work"), "bulk")
    _same(rendering.error_element(ApiError(9021, params={"putCode": "7", "clientName": "x"})))


def test_unusual_values_convert_as_the_walk_does():
    c, w = NS["common"], NS["work"]
    work = etree.fromstring((SAMPLES / "write_samples/work-full-3.0.xml").read_bytes())
    work.set("put-code", "not a number")
    work.set("visibility", "limited")
    ext = work.find(f".//{{{c}}}external-id")
    etree.SubElement(ext, f"{{{c}}}created-date").text = " 2020-01-02T03:04:05.678Z "
    etree.SubElement(ext, f"{{{c}}}source")
    etree.SubElement(work, f"{{{c}}}last-modified-date").text = "not a date"
    etree.SubElement(work, f"{{{c}}}created-date")
    # A child of another namespace, or none, is read by its local name as the walk reads it.
    etree.SubElement(work, "{http://example.org/other}journal-title").text = "Other"
    etree.SubElement(work, "url").text = "https://example.org/"
    etree.SubElement(work, f"{{{w}}}not-a-field").text = "ignored"
    _same(work)
    error = etree.fromstring((SAMPLES / "read_samples/error-3.0.xml").read_bytes())
    for node in error:
        if node.text and node.text.strip().isdigit():
            node.text = f" -{node.text.strip()} "
    _same(error)


def _outcome_of(convert):
    try:
        return json.dumps(convert())
    except Exception as error:  # noqa: BLE001 - both ways must fail alike
        return type(error).__name__


def _same_with_normalised_ids(element: etree._Element, decl, parent: str | None) -> None:
    """element_json(normalised_ids=True) is with_normalised_ids on a copy, then element_json."""
    model = schema_model()

    def on_a_copy():
        copied = element.__copy__()
        xml_json.with_normalised_ids(copied)
        return model.element_json(copied, decl, parent)

    before = etree.tostring(element)
    assert _outcome_of(lambda: model.element_json(element, decl, parent, normalised_ids=True)) == \
        _outcome_of(on_a_copy)
    assert etree.tostring(element) == before  # the element itself is left as it is


def test_normalised_ids_convert_as_on_a_normalised_copy():
    from .test_check_work import _variants, _works

    model = schema_model()
    bulk_work = model.element("bulk", "bulk").child("work")
    for work in _works():
        for variant in _variants(work):
            _same_with_normalised_ids(variant, bulk_work, "bulk")
        _same_with_normalised_ids(work, model.element("work", "work"), None)
    for name in ("write_samples/employment-3.0.xml", "more/write-employment-3.0-fundref.xml",
                 "read_samples/works-3.0.xml", "read_samples/activities-3.0.xml", "read_samples/bulk-work-err.xml"):
        element = etree.fromstring((SAMPLES / name).read_bytes())
        _same_with_normalised_ids(element, _decl(element), None)


def test_normalised_ids_in_unusual_external_ids_convert_as_on_a_normalised_copy():
    c = NS["common"]
    model = schema_model()
    work = etree.fromstring((SAMPLES / "write_samples/work-full-3.0.xml").read_bytes())
    ext = work.find(f".//{{{c}}}external-id")
    cases = []
    for change in ("normalised already", "foreign normalised", "no value", "no type", "foreign id", "empty value"):
        changed = copy.deepcopy(work)
        ext = changed.find(f".//{{{c}}}external-id")
        value = ext.find(f"{{{c}}}external-id-value")
        if change == "normalised already":
            value.addnext(etree.Element(f"{{{c}}}external-id-normalized"))
        elif change == "foreign normalised":
            ext.insert(0, etree.Element("{http://example.org/x}external-id-normalized"))
        elif change == "no value":
            ext.remove(value)
        elif change == "no type":
            ext.remove(ext.find(f"{{{c}}}external-id-type"))
        elif change == "foreign id":
            ext.tag = "{http://example.org/x}external-id"
        else:
            value.text = None
        cases.append(changed)
    for changed in cases:
        _same_with_normalised_ids(changed, model.element("work", "work"), None)
        for ext in changed.iter(f"{{{c}}}external-id", "{http://example.org/x}external-id"):
            _same_with_normalised_ids(ext, model.element("work", "work").child("external-ids").child("external-id"),
                                      "external-ids")


def test_every_variant_of_the_work_samples_converts_as_the_walk_does():
    """Elements removed, emptied, given other values, or repeated (the first one counts)."""
    from .test_check_work import _variants, _works

    model = schema_model()
    for work in _works():
        for variant in _variants(work):
            _same(variant)
            _same(variant, model.element("bulk", "bulk").child("work"), "bulk")
            for ext in variant.iter(f"{{{NS['common']}}}external-id"):
                ext.insert(0, etree.Element(f"{{{NS['common']}}}created-date"))  # a sparse type's server field
                _same(ext, model.element("work", "work").child("external-ids").child("external-id"),
                      "external-ids")
