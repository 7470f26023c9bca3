"""ORCID's v3.0 message model, read from the official XSDs: validation, and the JSON <-> XML mapping.

ORCID's JSON is a mechanical rendering of the same JAXB model as its XML (compare
`samples/write_samples/work-full-3.0.json` with `work-full-3.0.xml`): element names become keys
without namespace, attributes (`put-code`, `visibility`, `path`, `language-code`) become keys of
the same object, repeated elements become lists, and some simple elements are wrapped as
`{"value": ...}` because they are small Java classes (`Title`, `Url`, `Year`, ...). So the simulator
converts a JSON body to the equivalent XML (in the order the XSD requires) and validates that,
and one validator covers both formats. Answers go the other way.

The XSDs are walked here only as far as ORCID's use of them needs: elements (by name or ref),
named and anonymous complex types, sequence/choice, complexContent and simpleContent extensions
and attributes.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from orcid_simulator.xml_json import Compiler

XS = "http://www.w3.org/2001/XMLSchema"
NS = {
    "common": "http://www.orcid.org/ns/common",
    "work": "http://www.orcid.org/ns/work",
    "employment": "http://www.orcid.org/ns/employment",
    "education": "http://www.orcid.org/ns/education",
    "qualification": "http://www.orcid.org/ns/qualification",
    "invited-position": "http://www.orcid.org/ns/invited-position",
    "distinction": "http://www.orcid.org/ns/distinction",
    "membership": "http://www.orcid.org/ns/membership",
    "service": "http://www.orcid.org/ns/service",
    "funding": "http://www.orcid.org/ns/funding",
    "notification": "http://www.orcid.org/ns/notification",
    "bulk": "http://www.orcid.org/ns/bulk",
    "error": "http://www.orcid.org/ns/error",
    "activities": "http://www.orcid.org/ns/activities",
    "record": "http://www.orcid.org/ns/record",
    "person": "http://www.orcid.org/ns/person",
    "personal-details": "http://www.orcid.org/ns/personal-details",
    "history": "http://www.orcid.org/ns/history",
    "preferences": "http://www.orcid.org/ns/preferences",
}
# Namespace declarations on answers, as ORCID writes them (prefix = namespace name).
NSMAP = {prefix: uri for prefix, uri in NS.items()}

# Simple elements that ORCID's JSON wraps as {"value": ...} (Java classes with a `value`).
# `country` is wrapped except inside an organisation address, where it is a plain enum.
VALUE_WRAPPED = frozenset(
    {
        "title", "subtitle", "translated-title", "journal-title", "url", "external-id-url", "year", "month", "day",
        "credit-name", "created-date", "last-modified-date", "source-name", "assertion-origin-name",
        "external-id-normalized", "country", "given-names", "family-name",
    }
)
# Elements whose text is an xs:dateTime that ORCID's JSON gives as epoch milliseconds.
DATETIME_ELEMENTS = frozenset({"created-date", "last-modified-date"})
# Attributes that are integers in ORCID's JSON.
INTEGER_ATTRIBUTES = frozenset({"put-code"})
# Simple elements that are integers in ORCID's JSON (the error body).
INTEGER_ELEMENTS = frozenset({"response-code", "error-code"})
BOOLEAN_ATTRIBUTES = frozenset({"transient"})
# Elements that inherit common:element-summary without ORCID's JSON showing its fields
# (an external id has no source or dates of its own).
SPARSE_ELEMENTS = frozenset({"external-id"})
SERVER_FIELDS = frozenset({"created-date", "last-modified-date", "source"})


class SchemaError(ValueError):
    """A body that is not a valid ORCID v3.0 message (ORCID error 9001); `str()` says why."""


@dataclass(eq=False)
class ComplexType:
    children: list["ElementDecl"] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    simple_content: bool = False

    # Read on every element converted; worked out on first use, once the XSDs are walked (a
    # type is filled after it is registered, so recursive types terminate).
    @functools.cached_property
    def attribute_set(self) -> frozenset[str]:
        return frozenset(self.attributes)

    @functools.cached_property
    def child_names(self) -> frozenset[str]:
        return frozenset(child.name for child in self.children)

    @functools.cached_property
    def by_name(self) -> dict[str, "ElementDecl"]:
        found: dict[str, ElementDecl] = {}
        for child in self.children:
            found.setdefault(child.name, child)
        return found


@dataclass(eq=False)
class ElementDecl:
    ns: str
    name: str
    many: bool
    ctype: ComplexType | None  # None: a simple element without attributes
    tag: str = field(init=False, repr=False)
    # How ORCID's JSON renders the element (see VALUE_WRAPPED, DATETIME_ELEMENTS, ...).
    wrapped: bool = field(init=False, repr=False)
    datetime: bool = field(init=False, repr=False)
    integer: bool = field(init=False, repr=False)
    sparse: bool = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tag = f"{{{self.ns}}}{self.name}"
        self.wrapped = self.name in VALUE_WRAPPED
        self.datetime = self.name in DATETIME_ELEMENTS
        self.integer = self.name in INTEGER_ELEMENTS
        self.sparse = self.name in SPARSE_ELEMENTS

    @functools.cached_property
    def simple(self) -> bool:
        """A value (with attributes perhaps) rather than an object of fields; read once the type is filled."""
        return self.ctype is None or self.ctype.simple_content

    def child(self, name: str) -> "ElementDecl | None":
        if self.ctype is None:
            return None
        for decl in self.ctype.children:
            if decl.name == name:
                return decl
        return None


class SchemaModel:
    """The XSDs of one directory: compiled validators per root element and the element tree."""

    ROOT_FILES = {
        "work": "record_3.0/work-3.0.xsd",
        "employment": "record_3.0/employment-3.0.xsd",
        "education": "record_3.0/education-3.0.xsd",
        "qualification": "record_3.0/qualification-3.0.xsd",
        "invited-position": "record_3.0/invited-position-3.0.xsd",
        "distinction": "record_3.0/distinction-3.0.xsd",
        "membership": "record_3.0/membership-3.0.xsd",
        "service": "record_3.0/service-3.0.xsd",
        "funding": "record_3.0/funding-3.0.xsd",
        "bulk": "record_3.0/bulk-3.0.xsd",
        "error": "record_3.0/error-3.0.xsd",
        "activities": "record_3.0/activities-3.0.xsd",
        "record": "record_3.0/record-3.0.xsd",
    }

    def __init__(self, schema_dir: Path) -> None:
        self.schema_dir = Path(schema_dir)
        self._validators: dict[str, etree.XMLSchema] = {}
        self._validator_lock = threading.Lock()
        self._top_elements: dict[tuple[str, str], etree._Element] = {}
        self._complex_types: dict[tuple[str, str], etree._Element] = {}
        self._simple_types: set[tuple[str, str]] = set()
        self._resolved_types: dict[tuple[str, str], ComplexType] = {}
        self._resolved_elements: dict[tuple[str, str], ElementDecl] = {}
        self._resolve_lock = threading.RLock()
        self._json_converters = Compiler(self)
        self._json_converters_normalised = Compiler(self, normalised_ids=True)
        for path in sorted(self.schema_dir.glob("*_3.0/*.xsd")):
            doc = etree.parse(str(path))
            root = doc.getroot()
            tns = root.get("targetNamespace")
            for node in root:
                if not isinstance(node.tag, str):
                    continue
                name = node.get("name")
                if node.tag == f"{{{XS}}}element":
                    self._top_elements[(tns, name)] = node
                elif node.tag == f"{{{XS}}}complexType":
                    self._complex_types[(tns, name)] = node
                elif node.tag == f"{{{XS}}}simpleType":
                    self._simple_types.add((tns, name))

    # ---- validation -------------------------------------------------------------------
    def validator(self, root: str) -> etree.XMLSchema:
        schema = self._validators.get(root)  # compiled once, then only read: no lock needed
        if schema is None:
            with self._validator_lock:
                if root not in self._validators:
                    path = self.schema_dir / self.ROOT_FILES[root]
                    self._validators[root] = etree.XMLSchema(etree.parse(str(path)))
                schema = self._validators[root]
        return schema

    def validate(self, element: etree._Element, root: str) -> None:
        """Raise SchemaError unless `element` is valid against the XSD of `root`."""
        schema = self._validators.get(root) or self.validator(root)
        # libxml2's validators are not safe to share between threads.
        with self._validator_lock:
            ok = schema.validate(element)
            errors = [f"line {e.line}: {e.message}" for e in schema.error_log] if not ok else []
        if not ok:
            raise SchemaError("; ".join(errors[:3]))

    def is_valid(self, element: etree._Element, root: str) -> bool:
        """validate() without the reasons."""
        schema = self._validators.get(root) or self.validator(root)
        with self._validator_lock:
            return schema.validate(element)

    # ---- the element tree --------------------------------------------------------------
    def element(self, prefix: str, name: str) -> ElementDecl:
        """The top-level element `prefix:name` (e.g. "work", "work")."""
        key = (NS[prefix], name)
        found = self._resolved_elements.get(key)
        if found is None:
            # One walk at a time: a type is registered before it is filled, and another thread
            # must not read it half filled.
            with self._resolve_lock:
                found = self._resolved_elements.get(key)
                if found is None:
                    found = self._element_decl(self._top_elements[key], NS[prefix], many=False)
                    self._resolved_elements[key] = found
        return found

    def _qname(self, node: etree._Element, value: str) -> tuple[str, str]:
        prefix, _, local = value.rpartition(":")
        return (node.nsmap.get(prefix or None), local)

    def _element_decl(self, node: etree._Element, tns: str, many: bool) -> ElementDecl:
        ref = node.get("ref")
        if ref:
            ns, name = self._qname(node, ref)
            target = self._top_elements[(ns, name)]
            decl = self._element_decl(target, ns, many)
            return ElementDecl(ns, name, many, decl.ctype)
        name = node.get("name")
        type_attr = node.get("type")
        if type_attr:
            ns, tname = self._qname(node, type_attr)
            if ns == XS or (ns, tname) in self._simple_types:
                return ElementDecl(tns, name, many, None)
            return ElementDecl(tns, name, many, self._named_type(ns, tname))
        inline = node.find(f"{{{XS}}}complexType")
        if inline is not None:
            holder = ElementDecl(tns, name, many, ComplexType())
            self._fill_type(inline, tns, holder.ctype)
            return holder
        return ElementDecl(tns, name, many, None)

    def _named_type(self, ns: str, name: str) -> ComplexType:
        key = (ns, name)
        if key not in self._resolved_types:
            ctype = ComplexType()
            # Registered before filling so recursive types terminate.
            self._resolved_types[key] = ctype
            self._fill_type(self._complex_types[key], ns, ctype)
        return self._resolved_types[key]

    def _fill_type(self, node: etree._Element, tns: str, ctype: ComplexType) -> None:
        if node.get("mixed") == "true":
            # Text content (common:source-name): a simple value as far as JSON is concerned.
            ctype.simple_content = True
        for child in node:
            if not isinstance(child.tag, str):
                continue
            tag = etree.QName(child).localname
            if tag in ("sequence", "choice", "all"):
                self._fill_particles(child, tns, ctype, many=child.get("maxOccurs") == "unbounded")
            elif tag == "attribute":
                ctype.attributes.append(child.get("name") or self._qname(child, child.get("ref"))[1])
            elif tag in ("complexContent", "simpleContent"):
                if tag == "simpleContent":
                    ctype.simple_content = True
                for derivation in child:
                    if not isinstance(derivation.tag, str):
                        continue
                    base = derivation.get("base")
                    if base:
                        bns, bname = self._qname(derivation, base)
                        if (bns, bname) in self._complex_types:
                            base_type = self._named_type(bns, bname)
                            ctype.children.extend(base_type.children)
                            ctype.attributes.extend(base_type.attributes)
                            ctype.simple_content = ctype.simple_content or base_type.simple_content
                    self._fill_type(derivation, tns, ctype)

    def _fill_particles(self, node: etree._Element, tns: str, ctype: ComplexType, many: bool) -> None:
        for child in node:
            if not isinstance(child.tag, str):
                continue
            tag = etree.QName(child).localname
            if tag == "element":
                child_many = many or child.get("maxOccurs") not in (None, "1", "0")
                decl = self._element_decl(child, tns, child_many)
                # A name that a choice offers twice (orcid-id's uri+path | path) is one child.
                if all(existing.name != decl.name for existing in ctype.children):
                    ctype.children.append(decl)
            elif tag in ("sequence", "choice", "all"):
                self._fill_particles(child, tns, ctype, many or child.get("maxOccurs") == "unbounded")

    # ---- JSON -> XML -------------------------------------------------------------------
    def json_to_xml(self, data: object, decl: ElementDecl) -> etree._Element:
        """The XML element `decl` equivalent to ORCID JSON `data`. Raises SchemaError for keys
        that do not belong to the element (ORCID's JSON reader rejects unknown fields)."""
        from orcid_simulator.json_xml import json_to_xml_text

        element = json_to_xml_text(data, decl)
        if element is not None:
            return element
        return self.json_to_xml_elements(data, decl)

    def json_to_xml_elements(self, data: object, decl: ElementDecl) -> etree._Element:
        """json_to_xml built element by element (the path for errors and unusual values)."""
        element = etree.Element(decl.tag, nsmap=NSMAP)
        self._fill_from_json(element, data, decl)
        return element

    def _fill_from_json(self, element: etree._Element, data: object, decl: ElementDecl) -> None:
        ctype = decl.ctype
        if decl.simple:
            if isinstance(data, dict):
                attrs = ctype.attribute_set if ctype is not None else _NO_NAMES
                for key, value in data.items():
                    if key == "value":
                        continue
                    if key in attrs:
                        if value is not None:
                            element.set(key, _json_scalar(value))
                    else:
                        raise SchemaError(f"Unrecognized field \"{key}\" in \"{decl.name}\"")
                value = data.get("value")
            else:
                value = data
            if isinstance(value, (dict, list)):
                raise SchemaError(f"\"{decl.name}\" must be a simple value")
            if value is not None:
                if decl.datetime and isinstance(value, (int, float)):
                    value = _millis_to_iso(value)
                element.text = value if type(value) is str else _json_scalar(value)
            return
        if not isinstance(data, dict):
            raise SchemaError(f"\"{decl.name}\" must be an object")
        if decl.name == "bulk":
            self._fill_bulk_from_json(element, data, decl)
            return
        attrs = ctype.attribute_set
        known = ctype.child_names
        present = []
        for key, value in data.items():
            if key in attrs:
                if value is not None:
                    element.set(key, _json_scalar(value))
            elif key not in known:
                raise SchemaError(f"Unrecognized field \"{key}\" in \"{decl.name}\"")
            if value is not None and key in known:
                present.append(key)
        if not present:
            return
        if len(present) > 1:
            # The XSD's order, whatever the JSON's (a name offered twice is one child).
            present = [child.name for child in ctype.children if child.name in data and data[child.name] is not None]
        by_name = ctype.by_name
        sub_element = etree.SubElement
        for name in present:
            child_decl = by_name[name]
            value = data[name]
            if isinstance(value, list):
                if not child_decl.many:
                    raise SchemaError(f"\"{child_decl.name}\" must not be a list")
                for item in value:
                    if item is not None:
                        self._fill_from_json(sub_element(element, child_decl.tag), item, child_decl)
            else:
                self._fill_from_json(sub_element(element, child_decl.tag), value, child_decl)

    def _fill_bulk_from_json(self, element: etree._Element, data: dict, decl: ElementDecl) -> None:
        """{"bulk": [{"work": {...}}, ...]}: a list of one-key wrappers, in order."""
        items = data.get("bulk") or []
        if not isinstance(items, list):
            raise SchemaError("\"bulk\" must be a list")
        for wrapper in items:
            if not isinstance(wrapper, dict) or len(wrapper) != 1:
                raise SchemaError("each bulk element must be {\"work\": {...}}")
            (key, value), = wrapper.items()
            child_decl = decl.child(key)
            if child_decl is None:
                raise SchemaError(f"Unrecognized field \"{key}\" in \"bulk\"")
            sub = etree.SubElement(element, child_decl.tag)
            self._fill_from_json(sub, value, child_decl)

    # ---- XML -> JSON -------------------------------------------------------------------
    def xml_to_json(self, element: etree._Element, decl: ElementDecl) -> object:
        """ORCID's JSON for an element (absent optional fields as null, absent lists as [])."""
        return self._json_converters.converter(decl, None)(element)

    def element_json(self, element: etree._Element, decl: ElementDecl, parent: str | None, *,
                     normalised_ids: bool = False) -> object:
        """xml_to_json for an element inside `parent` (the name of the element holding it);
        `normalised_ids`: as if xml_json.with_normalised_ids had been applied to (a copy of) it."""
        converters = self._json_converters_normalised if normalised_ids else self._json_converters
        return converters.converter(decl, parent)(element)

    def _to_json(self, element: etree._Element, decl: ElementDecl, parent: str | None) -> object:
        """xml_to_json element by element (orcid_simulator.xml_json compiles the same per type)."""
        ctype = decl.ctype
        if decl.simple:
            text = element.text
            if decl.datetime and text:
                text = _iso_to_millis(text)
            elif decl.integer and text and text.strip().lstrip("-").isdigit():
                text = int(text)
            wrapped = decl.wrapped and not (decl.name == "country" and parent == "address")
            attrs = {}
            if ctype is not None and ctype.attributes:
                get = element.get
                for key in ctype.attributes:
                    value = get(key)
                    if value is not None:
                        attrs[key] = _attr_json(key, value)
            if wrapped or attrs:
                return {"value": text, **attrs}
            return text
        if decl.name == "bulk":
            items = []
            for child in element:
                tag = child.tag
                if isinstance(tag, str):
                    name = _localname(tag)
                    items.append({name: self._to_json(child, decl.child(name), decl.name)})
            return {"bulk": items}
        out: dict[str, object] = {}
        children_by_name: dict[str, list[etree._Element]] = {}
        for child in element:
            tag = child.tag
            if isinstance(tag, str):
                name = _localname(tag)
                found = children_by_name.get(name)
                if found is None:
                    children_by_name[name] = [child]
                else:
                    found.append(child)
        to_json = self._to_json
        name = decl.name
        if name == "affiliation-group":
            # ORCID's JSON puts the summaries of a group in "summaries": [{"employment-summary": {...}}].
            for child_decl in ctype.children:
                found = children_by_name.get(child_decl.name, _NO_CHILDREN)
                if child_decl.name.endswith("-summary"):
                    summaries = out.setdefault("summaries", [])
                    summaries.extend({child_decl.name: to_json(c, child_decl, name)} for c in found)
                elif child_decl.many:
                    out[child_decl.name] = [to_json(c, child_decl, name) for c in found]
                else:
                    out[child_decl.name] = to_json(found[0], child_decl, name) if found else None
        else:
            sparse = decl.sparse
            for child_decl in ctype.children:
                found = children_by_name.get(child_decl.name)
                if found is None:
                    if sparse and child_decl.name in SERVER_FIELDS:
                        continue
                    out[child_decl.name] = [] if child_decl.many else None
                elif child_decl.many:
                    out[child_decl.name] = [to_json(c, child_decl, name) for c in found]
                else:
                    out[child_decl.name] = to_json(found[0], child_decl, name)
        get = element.get
        for key in ctype.attributes:
            value = get(key)
            if value is not None or (key in _ALWAYS_SHOWN_ATTRIBUTES and not decl.sparse):
                out[key] = _attr_json(key, value)
        return out


_NO_NAMES: frozenset[str] = frozenset()
_NO_CHILDREN: tuple = ()
# Attributes ORCID's JSON shows as null when absent (but not on a SPARSE_ELEMENTS element).
_ALWAYS_SHOWN_ATTRIBUTES = frozenset({"put-code", "visibility", "path"})


@functools.lru_cache(maxsize=4096)
def _localname(tag: str) -> str:
    """etree.QName(tag).localname for a Clark tag ("{ns}name" or "name")."""
    return tag.rpartition("}")[2]


def json_scalar(value: object) -> str:
    """A JSON scalar as XML text (booleans as true/false)."""
    return _json_scalar(value)


def millis_to_iso(value: float) -> str:
    """Epoch milliseconds as ORCID's xs:dateTime text."""
    return _millis_to_iso(value)


def _json_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def attribute_json(key: str, value: str | None) -> object:
    """An attribute's value in ORCID's JSON (put-code a number, transient a boolean)."""
    return _attr_json(key, value)


def _attr_json(key: str, value: str | None) -> object:
    if value is None:
        return None
    if key in INTEGER_ATTRIBUTES and value.lstrip("-").isdigit():
        return int(value)
    if key in BOOLEAN_ATTRIBUTES:
        return value == "true"
    return value


def _millis_to_iso(value: float) -> str:
    moment = dt.datetime.fromtimestamp(value / 1000, tz=dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _iso_to_millis(text: str) -> int | str:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return text
    return int(moment.timestamp() * 1000)


def iso_now(moment: dt.datetime | None = None) -> str:
    moment = moment or dt.datetime.now(dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


_MODEL: SchemaModel | None = None
_MODEL_LOCK = threading.Lock()


def schema_model(schema_dir: Path | None = None) -> SchemaModel:
    """The shared model of the project's XSDs (schemas/orcid-model), built once."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None or (schema_dir is not None and Path(schema_dir) != _MODEL.schema_dir):
            if schema_dir is None:
                schema_dir = Path(__file__).resolve().parent.parent / "schemas" / "orcid-model"
            _MODEL = SchemaModel(Path(schema_dir))
        return _MODEL
