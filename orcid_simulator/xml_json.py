"""ORCID XML -> JSON for `SchemaModel.xml_to_json`, with a converter compiled once per element type.

`SchemaModel._to_json` walks the element tree with the XSD's declarations and works out, at every
element, what its declaration says (simple or not, wrapped as {"value": ...}, which attributes,
which children, in which order). A bulk answer of 100 works converts some 2,400 elements that
way. Here each (declaration, parent name) gets a function made once that knows all of it: a
plain text child is read in its parent's loop without a call of its own, a wrapped one becomes
{"value": text} there too. The answers are `_to_json`'s, key order included;
tests/orcid_simulator/test_xml_json.py holds them equal for every official sample.
`bulk` and `affiliation-group`, which `_to_json` shapes by hand, are left to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lxml import etree

from orcid_simulator.identifiers import normalise

if TYPE_CHECKING:
    from orcid_simulator.schema import ElementDecl, SchemaModel

Converter = Callable[[etree._Element], object]

# How a child is read in its parent's loop: its text; {"value": its text}; or its own converter.
_TEXT, _WRAPPED, _CALL = 0, 1, 2
_LOCAL: dict[str, str] = {}
_C = "{http://www.orcid.org/ns/common}"
_EXTERNAL_ID, _EXTERNAL_ID_TYPE, _EXTERNAL_ID_VALUE, _EXTERNAL_ID_NORMALIZED = (
    _C + name for name in ("external-id", "external-id-type", "external-id-value", "external-id-normalized"))


def with_normalised_ids(element: etree._Element) -> None:
    """ORCID adds `external-id-normalized` (transient) to each external id it reads back."""
    for ext in element.iter(_EXTERNAL_ID):
        if next(ext.iterchildren(_EXTERNAL_ID_NORMALIZED), None) is not None:
            continue
        id_type = _child_text(ext, _EXTERNAL_ID_TYPE)
        value_el = next(ext.iterchildren(_EXTERNAL_ID_VALUE), None)
        value = (value_el.text or "") if value_el is not None else ""
        normalised = normalise(id_type, value)
        if not normalised:
            continue
        value_el.addnext(_normalised_element(normalised))


def _normalised_element(normalised: str) -> etree._Element:
    norm = etree.Element(_EXTERNAL_ID_NORMALIZED)
    norm.text = normalised
    norm.set("transient", "true")
    return norm


def _child_text(element: etree._Element, tag: str) -> str:
    """findtext(tag) or "": the first such child's text, "" without one."""
    child = next(element.iterchildren(tag), None)
    return (child.text or "") if child is not None else ""


def _local(tag: str) -> str:
    """The local name of a Clark tag, remembered (a schema has a few hundred)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rpartition("}")[2]
    return name


class Compiler:
    """The converters of one SchemaModel, made on first use and kept. With `normalised_ids`, an
    element converts as it would once with_normalised_ids had added ORCID's normalised value to
    each of its external ids (on a copy), without the copy."""

    def __init__(self, model: SchemaModel, *, normalised_ids: bool = False) -> None:
        self.model = model
        self.normalised_ids = normalised_ids
        self._converters: dict[tuple[ElementDecl, str | None], Converter] = {}

    def converter(self, decl: ElementDecl, parent: str | None) -> Converter:
        key = (decl, parent)
        found = self._converters.get(key)
        if found is None:
            found = self._converters[key] = self._build(decl, parent)
        return found

    def _build(self, decl: ElementDecl, parent: str | None) -> Converter:
        from orcid_simulator import schema

        if decl.simple:
            return _simple(decl, parent)
        if decl.name == "bulk":
            return self._bulk(decl)
        if decl.name == "affiliation-group":
            model = self.model
            if self.normalised_ids:
                return lambda element: model._to_json(_normalised_copy(element), decl, parent)
            return lambda element: model._to_json(element, decl, parent)
        convert = _complex(self, decl, schema.SERVER_FIELDS, schema._ALWAYS_SHOWN_ATTRIBUTES)
        if self.normalised_ids and decl.name == "external-id" and decl.child("external-id-normalized"):
            return self._normalising(decl, parent, convert)
        return convert

    def _normalising(self, decl: ElementDecl, parent: str | None, convert: Converter) -> Converter:
        """An external id's converter that adds what with_normalised_ids would add. A converter
        reads children by local name, so when no child has the local name external-id-normalized
        the key's value is the added element's, converted; otherwise a copy is normalised."""
        norm_decl = decl.child("external-id-normalized")
        norm_convert = self.converter(norm_decl, decl.name)
        key, many = norm_decl.name, norm_decl.many
        any_norm = "{*}" + key  # lxml: that local name in any namespace, or none
        # The added element's JSON depends on its text only as its value: made without the element.
        plain = not (norm_decl.datetime or norm_decl.integer)
        shape = norm_convert(_normalised_element("x")) if plain else None
        quick = shape == {"value": "x", "transient": True}

        def normalising(element: etree._Element) -> object:
            if element.tag != _EXTERNAL_ID:
                return convert(element)
            if next(element.iterchildren(any_norm), None) is not None:
                if next(element.iterchildren(_EXTERNAL_ID_NORMALIZED), None) is not None:
                    return convert(element)  # with_normalised_ids leaves it as it is
                return convert(_normalised_copy(element))
            value_el = next(element.iterchildren(_EXTERNAL_ID_VALUE), None)
            value = (value_el.text or "") if value_el is not None else ""
            normalised = normalise(_child_text(element, _EXTERNAL_ID_TYPE), value)
            if not normalised:
                return convert(element)
            if value_el is None:
                return convert(_normalised_copy(element))  # fails as with_normalised_ids fails
            out = convert(element)
            converted = {"value": normalised, "transient": True} if quick else \
                norm_convert(_normalised_element(normalised))
            out[key] = [converted] if many else converted
            return out

        return normalising

    def _bulk(self, decl: ElementDecl) -> Converter:
        """{"bulk": [{"work": {...}}, {"error": {...}}, ...]}, in the document's order."""
        model = self.model

        def convert(element: etree._Element) -> object:
            items = []
            for child in element:
                tag = child.tag
                if tag.__class__ is str:
                    child_name = _local(tag)
                    child_decl = decl.child(child_name)
                    if child_decl is None:
                        items.append({child_name: model._to_json(child, child_decl, "bulk")})  # raises as before
                    else:
                        items.append({child_name: self.converter(child_decl, "bulk")(child)})
            return {"bulk": items}

        return convert

    def reading(self, decl: ElementDecl, parent: str) -> tuple[int, Converter | None]:
        """How a parent named `parent` reads a child of `decl` (see _TEXT, _WRAPPED, _CALL)."""
        if decl.ctype is None or (decl.ctype.simple_content and not decl.ctype.attributes):
            if not decl.datetime and not decl.integer:
                wrapped = decl.wrapped and not (decl.name == "country" and parent == "address")
                return (_WRAPPED if wrapped else _TEXT), None
        return _CALL, self.converter(decl, parent)


def _normalised_copy(element: etree._Element) -> etree._Element:
    copy = element.__copy__()
    with_normalised_ids(copy)
    return copy


def _simple(decl: ElementDecl, parent: str | None) -> Converter:
    from orcid_simulator.schema import _attr_json, _iso_to_millis

    wrapped = decl.wrapped and not (decl.name == "country" and parent == "address")
    attributes = tuple(decl.ctype.attributes) if decl.ctype is not None else ()
    datetime, integer = decl.datetime, decl.integer

    def convert(element: etree._Element) -> object:
        text = element.text
        if datetime and text:
            text = _iso_to_millis(text)
        elif integer and text and text.strip().lstrip("-").isdigit():
            text = int(text)
        attrs = {}
        if attributes:
            get = element.get
            for key in attributes:
                value = get(key)
                if value is not None:
                    attrs[key] = _attr_json(key, value)
        if wrapped or attrs:
            return {"value": text, **attrs}
        return text

    return convert


def _complex(compiler: Compiler, decl: ElementDecl, server_fields: frozenset[str],
             always_shown: frozenset[str]) -> Converter:
    from orcid_simulator.schema import _attr_json

    name = decl.name
    sparse = decl.sparse
    # Worked out on the first call: a type may hold itself (recursive types), so its children's
    # converters cannot all be made before this one exists. (Two threads may both work it out:
    # the same tuple.)
    made: list[tuple[tuple[str, bool, int, Converter | None], ...]] = []
    # Attributes always shown (None when absent) and the others (shown when present).
    attributes = tuple((key, not sparse and key in always_shown) for key in decl.ctype.attributes)
    children = decl.ctype.children
    local = _LOCAL

    def convert(element: etree._Element) -> object:
        if made:
            plan = made[0]
        else:
            plan = tuple((child.name, child.many, *compiler.reading(child, name)) for child in children)
            made[:] = [plan]
        by_name: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag
            if tag.__class__ is str:
                child_name = local.get(tag) or _local(tag)
                found = by_name.get(child_name)
                if found is None:
                    by_name[child_name] = [child]
                else:
                    found.append(child)
        out: dict[str, object] = {}
        for child_name, many, how, child_convert in plan:
            found = by_name.get(child_name)
            if found is None:
                if sparse and child_name in server_fields:
                    continue
                out[child_name] = [] if many else None
            elif how == _TEXT:
                out[child_name] = [c.text for c in found] if many else found[0].text
            elif how == _WRAPPED:
                out[child_name] = [{"value": c.text} for c in found] if many else {"value": found[0].text}
            elif many:
                out[child_name] = [child_convert(c) for c in found]
            else:
                out[child_name] = child_convert(found[0])
        if attributes:
            get = element.get
            for key, shown in attributes:
                value = get(key)
                if value is not None or shown:
                    out[key] = _attr_json(key, value)
        return out

    return convert
