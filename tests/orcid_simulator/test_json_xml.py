"""JSON bodies are converted to XML by writing XML text (orcid_simulator.json_xml) when that is
sure to give what building the elements one by one gives; the two must never differ, in the tree
or in the error."""

from __future__ import annotations

import copy
import json

import pytest
from lxml import etree

from orcid_simulator import json_xml
from orcid_simulator.schema import SchemaError, schema_model

from .conftest import SAMPLES

SAMPLE_ROOTS = {
    "write_samples/work-full-3.0.json": ("work", "work"),
    "more/write-work-51-contributors-3.0.json": ("work", "work"),
    "more/write-work-with-NISO-roles-51-contributors-3.0.json": ("work", "work"),
    "write_samples/bulk-work-3.0.json": ("bulk", "bulk"),
    "more/write-bulk-works-3-works-3.0.json": ("bulk", "bulk"),
    "more/write-bulk-works-100-works-3.0.json": ("bulk", "bulk"),
    "write_samples/employment-3.0.json": ("employment", "employment"),
}
WORK = json.loads((SAMPLES / "write_samples/work-full-3.0.json").read_text())


def _outcome(convert, data, decl):
    try:
        element = convert(copy.deepcopy(data), decl)
    except (SchemaError, ValueError) as error:  # ValueError: lxml refusing a character
        return type(error).__name__, str(error)
    return etree.tostring(element), element.nsmap, [(e.tag, e.text, dict(e.attrib)) for e in element.iter()]


def _same(data, root):
    model = schema_model()
    decl = model.element(*root)
    assert _outcome(model.json_to_xml, data, decl) == _outcome(model.json_to_xml_elements, data, decl)


@pytest.mark.parametrize(("name", "root"), list(SAMPLE_ROOTS.items()))
def test_every_json_sample_converts_as_element_by_element(name, root):
    data = json.loads((SAMPLES / name).read_text())
    assert json_xml.json_to_xml_text(data, schema_model().element(*root)) is not None  # the text path ran
    _same(data, root)


def _work_with(title=None, **changes):
    work = copy.deepcopy(WORK)
    if title is not None:
        work["title"]["title"]["value"] = title
    work.update(changes)
    return work


@pytest.mark.parametrize("work", [
    _work_with("Fish & <chips> \"quoted\" 'single' ]]> done"),
    _work_with("   "),
    _work_with("tab\tand\nnewline"),
    _work_with("carriage\r\nreturn"),
    _work_with(""),
    _work_with("nul \x00 and bell \x07"),
    _work_with("lone \ud800 surrogate"),
    _work_with("not a character \uffff"),
    _work_with("astral \U0001f600 and accents éü"),
    _work_with(**{"put-code": 12, "visibility": "public"}),
    _work_with(**{"put-code": True}),
    _work_with(**{"visibility": "tab\there"}),
    _work_with(**{"visibility": "a&b<c>\"d"}),
    _work_with(**{"created-date": {"value": 1546300800123}}),
    _work_with(**{"created-date": 1546300800123.5}),
    _work_with(**{"publication-date": {"year": {"value": 2020}, "month": None, "day": None}}),
    _work_with(**{"unknown-field": "x"}),
    _work_with(**{"title": [{"title": {"value": "a list where one is allowed"}}]}),
    _work_with(**{"title": {"title": {"value": {"nested": "object"}}}}),
    _work_with(**{"title": {"title": {"value": "t", "language-code": "en"}}}),
    _work_with(**{"external-ids": {"external-id": [None, None]}}),
    _work_with(**{"external-ids": {"external-id": []}}),
    _work_with(**{"type": None, "url": None}),
    _work_with(**{"type": 5}),
    "a string where a work belongs",
    {},
])
def test_unusual_works_convert_or_fail_as_element_by_element(work):
    _same(work, ("work", "work"))


@pytest.mark.parametrize("bulk", [
    {"bulk": [{"work": WORK}, {"work": _work_with("second")}]},
    {"bulk": []},
    {"bulk": None},
    {},
    {"bulk": {"work": WORK}},
    {"bulk": [{"work": WORK, "extra": 1}]},
    {"bulk": [{"funding": WORK}]},
    {"bulk": ["not an object"]},
    {"bulk": [{"work": WORK}], "ignored": True},
])
def test_unusual_bulks_convert_or_fail_as_element_by_element(bulk):
    _same(bulk, ("bulk", "bulk"))


_FUZZ_VALUES = [None, "", " ", "x & <y> \"z\"", "plain", 5, 1.5, True, [], {}, {"value": "v"}, {"value": None},
                {"value": "v", "extra": 1}, {"value": 7}, ["a"], [None, "b"], [{"value": "w"}], "tab\there"]


def _paths(data, prefix=()):
    """Every key's path in a JSON value (through lists by index)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, prefix + (index,))


def _variant(data, path, value, remove=False):
    changed = copy.deepcopy(data)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    if remove:
        del holder[path[-1]]
    else:
        holder[path[-1]] = copy.deepcopy(value)
    return changed


@pytest.mark.parametrize(("name", "root"), [("write_samples/work-full-3.0.json", ("work", "work")),
                                            ("write_samples/employment-3.0.json", ("employment", "employment")),
                                            ("more/write-bulk-works-3-works-3.0.json", ("bulk", "bulk"))])
def test_every_key_removed_or_changed_converts_or_fails_as_element_by_element(name, root):
    data = json.loads((SAMPLES / name).read_text())
    if root == ("bulk", "bulk"):
        data["bulk"] = data["bulk"][:1]
    texts = 0
    for path in _paths(data):
        variants = [_variant(data, path, None, remove=True)] + [_variant(data, path, v) for v in _FUZZ_VALUES]
        for variant in variants:
            _same(variant, root)
            texts += json_xml.json_to_xml_text(copy.deepcopy(variant), schema_model().element(*root)) is not None
    assert texts > 100  # many variants take the text path, not only the element path
