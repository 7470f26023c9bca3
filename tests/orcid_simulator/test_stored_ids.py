"""The external ids a stored work is keyed by (duplicates, 9021) and the fields stripped from a
body before it is stored are read child by child (iterchildren) instead of through paths; the
answers must be the path-based ones (kept below as they were) for every variant of the samples."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from orcid_simulator import paths
from orcid_simulator.identifiers import normalise
from orcid_simulator.state.models import SERVER_ATTRIBUTES, SERVER_ELEMENTS, self_external_ids, strip_server_fields

from .test_check_work import _variants, _works


def _old_external_ids(body):
    out = []
    for ext in paths.findall(body, "common:external-ids/common:external-id"):
        out.append((
            (paths.findtext(ext, "common:external-id-type", "") or "").strip(),
            (paths.findtext(ext, "common:external-id-value", "") or "").strip(),
            (paths.findtext(ext, "common:external-id-relationship", "") or "").strip(),
        ))
    return out


def _old_self_external_ids(body):
    return [(t, v, normalise(t, v)) for t, v, rel in _old_external_ids(body) if rel in ("self", "")]


def _old_strip_server_fields(body):
    for attribute in SERVER_ATTRIBUTES:
        body.attrib.pop(attribute, None)
    for name in SERVER_ELEMENTS:
        for child in paths.findall(body, f"common:{name}"):
            body.remove(child)
    return body


def _with_server_fields(work: etree._Element) -> etree._Element:
    work = copy.deepcopy(work)
    c = "http://www.orcid.org/ns/common"
    work.set("put-code", "5")
    work.set("display-index", "1")
    for position, name in ((0, "source"), (0, "created-date"), (3, "last-modified-date"), (-1, "created-date")):
        element = etree.Element(f"{{{c}}}{name}")
        element.text = "x"
        work.insert(position if position >= 0 else len(work), element)
    return work


@pytest.mark.parametrize("index", range(5))
def test_ids_and_stripping_read_as_through_paths(index):
    work = list(_works())[index]
    for variant in [_with_server_fields(work), *_variants(work)]:
        assert self_external_ids(variant) == _old_self_external_ids(variant)
        new = strip_server_fields(copy.deepcopy(variant))
        old = _old_strip_server_fields(copy.deepcopy(variant))
        assert etree.tostring(new) == etree.tostring(old)
