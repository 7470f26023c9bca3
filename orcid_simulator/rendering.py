"""ORCID's answers as XML elements (the JSON form is derived from them by `schema.xml_to_json`)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable

from lxml import etree

from orcid_simulator import paths
from orcid_simulator.errors import ApiError
from orcid_simulator.identifiers import group_key
from orcid_simulator.schema import NS, NSMAP, SchemaModel, attribute_json, iso_now, schema_model
from orcid_simulator.sections import SECTIONS, SUMMARY_ORDER, Section
from orcid_simulator.state import Item, Record
from orcid_simulator.xml_json import with_normalised_ids as _with_normalised_ids

C = NS["common"]
EMAIL_NS = "http://www.orcid.org/ns/email"
ORCID_HOST = "orcid.org"


def _el(parent: etree._Element | None, prefix: str, name: str, text: str | None = None, **attrs) -> etree._Element:
    tag = f"{{{NS[prefix]}}}{name}"
    element = etree.Element(tag, nsmap=NSMAP) if parent is None else etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    for key, value in attrs.items():
        if value is not None:
            element.set(key.replace("_", "-"), str(value))
    return element


_SOURCE = f"{{{C}}}source"
_SOURCE_CLIENT_ID = f"{{{C}}}source-client-id"
_URI = f"{{{C}}}uri"
_PATH = f"{{{C}}}path"
_HOST = f"{{{C}}}host"
_SOURCE_NAME = f"{{{C}}}source-name"
_CREATED = f"{{{C}}}created-date"
_LAST_MODIFIED = f"{{{C}}}last-modified-date"


def _sub(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    return element


def _source(parent: etree._Element, source_client_id: str, source_name: str) -> None:
    source = etree.SubElement(parent, _SOURCE)
    client = etree.SubElement(source, _SOURCE_CLIENT_ID)
    _sub(client, _URI, f"https://{ORCID_HOST}/client/{source_client_id}")
    _sub(client, _PATH, source_client_id)
    _sub(client, _HOST, ORCID_HOST)
    _sub(source, _SOURCE_NAME, source_name)


def item_element(item: Item, *, summary: bool = False, parent: etree._Element | None = None) -> etree._Element:
    """The full item (`work:work`, `employment:employment`) or its summary, as ORCID reads it back
    (made inside `parent` when given: one set of namespace declarations for a whole section)."""
    prefix = item.kind
    name = f"{item.kind}-summary" if summary else item.kind
    element = _el(parent, prefix, name, put_code=item.put_code,
                  path=f"/{item.orcid}/{item.kind}/{item.put_code}", visibility=item.visibility)
    if summary:
        element.set("display-index", "0")
    _sub(element, _CREATED, iso_now(item.created))
    _sub(element, _LAST_MODIFIED, iso_now(item.modified))
    _source(element, item.source_client_id, item.source_name)
    # Copies (lxml's __copy__ is a deep copy): the stored body stays as it is.
    if summary:
        # A summary holds the item's fields its XSD lists for the summary, in that order.
        by_name: dict[str, list[etree._Element]] = {}
        for child in item.body.iterchildren(etree.Element):
            by_name.setdefault(etree.QName(child).localname, []).append(child)
        element.extend([child.__copy__() for local in _summary_names(item.kind) for child in by_name.get(local, ())])
    else:
        element.extend([child.__copy__() for child in item.body.iterchildren(etree.Element)])
    _with_normalised_ids(element)
    return element


@functools.lru_cache(maxsize=None)
def _summary_names(kind: str) -> tuple[str, ...]:
    return tuple(child.name for child in _summary_children(kind))


def _summary_children(kind: str) -> list:
    decl = schema_model().element(kind, f"{kind}-summary")
    skip = {"created-date", "last-modified-date", "source"}
    return [child for child in decl.ctype.children if child.name not in skip]


def _group_keys(item: Item) -> set[tuple[str, str]]:
    """The identifiers ORCID groups by: every external id except `part-of` ones (a journal's
    ISSN must not group all its articles together)."""
    keys = set()
    for ext in paths.findall(item.body, "common:external-ids/common:external-id"):
        relationship = paths.findtext(ext, "common:external-id-relationship", "")
        if relationship == "part-of":
            continue
        keys.add(group_key(paths.findtext(ext, "common:external-id-type", ""),
                           paths.findtext(ext, "common:external-id-value", "")))
    return keys


def group_items(items: list[Item]) -> list[list[Item]]:
    """Items sharing an identifier (transitively) form one group, as on ORCID's record page."""
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        for key in _group_keys(item):
            if key in owner:
                parent[find(index)] = find(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[Item]] = {}
    for index, item in enumerate(items):
        groups.setdefault(find(index), []).append(item)
    return list(groups.values())


def _group_external_ids(parent: etree._Element, members: list[Item]) -> None:
    ids = _el(parent, "common", "external-ids")
    seen = set()
    for item in members:
        for ext in paths.findall(item.body, "common:external-ids/common:external-id"):
            if paths.findtext(ext, "common:external-id-relationship", "") == "part-of":
                continue
            key = group_key(paths.findtext(ext, "common:external-id-type", ""),
                            paths.findtext(ext, "common:external-id-value", ""))
            if key in seen:
                continue
            seen.add(key)
            ids.append(copy.deepcopy(ext))
    _with_normalised_ids(ids)


def _last_modified(items: Iterable[Item]) -> str | None:
    moments = [item.modified for item in items]
    return iso_now(max(moments)) if moments else None


def section_element(record: Record, items: list[Item], section: Section,
                    parent: etree._Element | None = None) -> etree._Element:
    """An activities section (`works`, `educations`, `fundings`...): its items grouped as ORCID
    groups them (works and fundings by shared identifiers; affiliations likewise, in
    `affiliation-group`s)."""
    element = _el(parent, "activities", section.plural, path=f"/{record.orcid}/{section.plural}")
    latest = _last_modified(items)
    if latest:
        _el(element, "common", "last-modified-date", latest)
    for members in group_items(items):
        group = _el(element, "activities", section.group_tag)
        _el(group, "common", "last-modified-date", _last_modified(members))
        _group_external_ids(group, members)
        for item in sorted(members, key=lambda i: i.put_code):
            item_element(item, summary=True, parent=group)
    return element


def works_element(record: Record, items: list[Item], parent: etree._Element | None = None) -> etree._Element:
    return section_element(record, items, SECTIONS["work"], parent)


def employments_element(record: Record, items: list[Item], parent: etree._Element | None = None) -> etree._Element:
    return section_element(record, items, SECTIONS["employment"], parent)


def activities_element(record: Record, items_by_kind: dict[str, list[Item]],
                       parent: etree._Element | None = None) -> etree._Element:
    """activities:activities-summary with every simulated section, in the XSD's order."""
    summary = _el(parent, "activities", "activities-summary", path=f"/{record.orcid}/activities")
    latest = _last_modified([item for items in items_by_kind.values() for item in items])
    if latest:
        _el(summary, "common", "last-modified-date", latest)
    for kind in SUMMARY_ORDER:
        section_element(record, items_by_kind.get(kind, []), SECTIONS[kind], summary)
    return summary


def record_element(record: Record, items_by_kind: dict[str, list[Item]]) -> etree._Element:
    root = _el(None, "record", "record", path=f"/{record.orcid}")
    identifier = _el(root, "common", "orcid-identifier")
    _el(identifier, "common", "uri", f"https://{ORCID_HOST}/{record.orcid}")
    _el(identifier, "common", "path", record.orcid)
    _el(identifier, "common", "host", ORCID_HOST)
    person = _el(root, "person", "person", path=f"/{record.orcid}/person")
    name = _el(person, "person", "name", visibility="public", path=record.orcid)
    _el(name, "personal-details", "given-names", record.given_names)
    _el(name, "personal-details", "family-name", record.family_name)
    emails = etree.SubElement(person, f"{{{EMAIL_NS}}}emails", nsmap={"email": EMAIL_NS})
    emails.set("path", f"/{record.orcid}/email")
    activities_element(record, items_by_kind, root)
    return root


def bulk_element(results: list[Item | ApiError]) -> etree._Element:
    bulk = _el(None, "bulk", "bulk")
    for result in results:
        if isinstance(result, ApiError):
            bulk.append(error_element(result))
        else:
            item_element(result, parent=bulk)
    return bulk


def bulk_json(results: list[Item | ApiError]) -> dict:
    """ORCID's JSON for a bulk answer: schema.xml_to_json(bulk_element(results)), without building
    each item's answer element (tests/orcid_simulator/test_bulk_json.py holds them equal)."""
    model = schema_model()
    decl = model.element("bulk", "bulk")
    error_decl = decl.child("error")
    out = []
    for result in results:
        if isinstance(result, ApiError):
            out.append({"error": model.element_json(error_element(result), error_decl, "bulk")})
        else:
            out.append({result.kind: item_json(result, parent="bulk", model=model)})
    return {"bulk": out}


def item_json(item: Item, *, parent: str | None = None, model: SchemaModel | None = None) -> dict:
    """xml_to_json(item_element(item)) (the full item, as inside a bulk answer when `parent` is
    "bulk"): the stored body's fields (with ORCID's normalised ids) converted as they are, and
    the fields ORCID sets (put-code, path, visibility, dates, source) converted once for each
    value and reused."""
    model = model or schema_model()
    decl = model.element("bulk", "bulk").child(item.kind) if parent == "bulk" else model.element(item.kind, item.kind)
    # The stored body as with_normalised_ids would have it (on a copy), without copying it.
    out = model.element_json(item.body, decl, parent, normalised_ids=True)
    # item_element's own children: the dates and the source (the body has none: stripped when stored).
    out.update(_dates_json(item.kind, parent, iso_now(item.created), iso_now(item.modified)))
    out.update(_source_json(item.kind, parent, item.source_client_id, item.source_name))
    # item_element's attributes are put-code, path and visibility only: the body's others are not shown.
    values = {"put-code": str(item.put_code), "path": f"/{item.orcid}/{item.kind}/{item.put_code}",
              "visibility": item.visibility}
    for key in decl.ctype.attributes:
        if key in values:
            out[key] = attribute_json(key, values[key])
        else:
            out.pop(key, None)
    return out


def _server_fields_json(kind: str, parent: str | None, fill) -> dict:
    model = schema_model()
    decl = model.element("bulk", "bulk").child(kind) if parent == "bulk" else model.element(kind, kind)
    holder = _el(None, kind, kind)
    fill(holder)
    converted = model.element_json(holder, decl, parent)
    names = {etree.QName(child).localname for child in holder}
    return {key: value for key, value in converted.items() if key in names}


@functools.lru_cache(maxsize=1024)
def _dates_json(kind: str, parent: str | None, created: str, modified: str) -> dict:
    """created-date and last-modified-date as xml_to_json gives them (shared: read, never changed)."""
    def fill(holder: etree._Element) -> None:
        _sub(holder, _CREATED, created)
        _sub(holder, _LAST_MODIFIED, modified)
    return _server_fields_json(kind, parent, fill)


@functools.lru_cache(maxsize=1024)
def _source_json(kind: str, parent: str | None, source_client_id: str, source_name: str) -> dict:
    """The source as xml_to_json gives it (shared: read, never changed)."""
    return _server_fields_json(kind, parent, lambda holder: _source(holder, source_client_id, source_name))


def error_element(error: ApiError) -> etree._Element:
    body = error.body()
    element = _el(None, "error", "error")
    for key in ("response-code", "developer-message", "user-message", "error-code", "more-info"):
        _el(element, "error", key, str(body[key]))
    return element
