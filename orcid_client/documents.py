"""ORCID v3.0 documents as the client hands them out, and the XML/JSON work behind that.

The client reads and writes both of ORCID's formats (`application/vnd.orcid+xml` and
`application/vnd.orcid+json`). Callers get the same dataclasses whichever was used:
`WorkSummary`, `AffiliationSummary`, `OrcidRecord`, `OrcidToken`. Element and key names
follow ORCID's v3.0 XSDs (schemas/orcid-model/record_3.0); the XML parsers match on local
names within ORCID's namespaces, so a summary and a full item parse alike.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import orjson
from lxml import etree

from orcid_client.errors import OrcidError, error_fields_from_element, error_from_fields
from orcid_client.identifiers import normalise_external_id

NS = {
    "common": "http://www.orcid.org/ns/common",
    "work": "http://www.orcid.org/ns/work",
    "employment": "http://www.orcid.org/ns/employment",
    "activities": "http://www.orcid.org/ns/activities",
    "bulk": "http://www.orcid.org/ns/bulk",
    "error": "http://www.orcid.org/ns/error",
    "record": "http://www.orcid.org/ns/record",
    "person": "http://www.orcid.org/ns/person",
    "personal-details": "http://www.orcid.org/ns/personal-details",
}

XML = "xml"
JSON = "json"
MEDIA_TYPES = {XML: "application/vnd.orcid+xml", JSON: "application/vnd.orcid+json"}

# Entities and network access off: ORCID's answers are data, never instructions to the parser.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)

Body = bytes | dict


def body_format(body: Body) -> str:
    """`xml` for bytes (or str), `json` for a dict."""
    if isinstance(body, dict):
        return JSON
    if isinstance(body, (bytes, bytearray, str)):
        return XML
    raise TypeError(f"an ORCID body is bytes (XML) or dict (JSON), not {type(body).__name__}")


def parse_xml(data: bytes | str):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return etree.fromstring(data, parser=_PARSER)


# ---------------------------------------------------------------------------------------------
# Dataclasses
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExternalId:
    """One external identifier of an item, with its value normalised as ORCID compares it."""

    type: str
    value: str
    normalized: str
    relationship: str = ""
    url: str = ""

    @classmethod
    def build(cls, type: str, value: str, relationship: str = "", url: str = "") -> "ExternalId":
        type = (type or "").strip().lower()
        value = (value or "").strip()
        return cls(type, value, normalise_external_id(type, value), (relationship or "").strip().lower(), (url or "").strip())


class SourcedSummary:
    """What every summary of an item says of its source (its dataclass has `source_client_id`)."""

    def is_from_client(self, client_id: str) -> bool:
        return bool(client_id) and self.source_client_id == client_id


class SelfMatchedSummary(SourcedSummary):
    """A summary ORCID matches duplicates of by its `self` external ids (works, funding)."""

    @property
    def self_ids(self) -> tuple[ExternalId, ...]:
        """The identifiers with relationship `self`: what ORCID matches duplicates by."""
        return tuple(eid for eid in self.external_ids if eid.relationship == "self")


@dataclass(frozen=True)
class WorkSummary(SelfMatchedSummary):
    """A work on an ORCID record, as `/works` lists it (or `/work/{put-code}` returns it).

    `source_client_id` is the member client that wrote it (None for the researcher's own
    items); `body` holds the raw document for single reads (dict or XML bytes), else None.
    """

    put_code: int
    title: str = ""
    type: str = ""
    external_ids: tuple[ExternalId, ...] = ()
    source_client_id: str | None = None
    source_orcid: str | None = None
    source_name: str = ""
    visibility: str = ""
    publication_year: int | None = None
    publication_date: str = ""
    journal_title: str = ""
    path: str = ""
    body: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class AffiliationSummary(SourcedSummary):
    """An employment (or other affiliation) on an ORCID record."""

    put_code: int
    organization_name: str = ""
    department_name: str = ""
    role_title: str = ""
    start_date: str = ""
    end_date: str = ""
    city: str = ""
    region: str = ""
    country: str = ""
    disambiguated_organization_id: str = ""
    disambiguation_source: str = ""
    external_ids: tuple[ExternalId, ...] = ()
    source_client_id: str | None = None
    source_orcid: str | None = None
    source_name: str = ""
    visibility: str = ""
    url: str = ""
    path: str = ""
    body: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class OrcidRecord:
    """A record as `/record` returns it: the researcher's name and the activity summaries."""

    orcid: str
    given_names: str = ""
    family_name: str = ""
    credit_name: str = ""
    works: tuple[WorkSummary, ...] = ()
    employments: tuple[AffiliationSummary, ...] = ()
    body: Any = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.credit_name or " ".join(p for p in (self.given_names, self.family_name) if p)


@dataclass(frozen=True)
class OrcidToken:
    """An OAuth token answer. Tokens are secrets: they are left out of repr and str."""

    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_in: int | None = None
    scope: str = ""
    name: str = ""
    orcid: str = ""
    token_type: str = "bearer"

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(self.scope.split())

    @classmethod
    def from_json(cls, data: dict) -> "OrcidToken":
        expires_in = data.get("expires_in")
        try:
            expires_in = int(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            expires_in = None
        return cls(
            access_token=str(data.get("access_token") or ""),
            refresh_token=str(data.get("refresh_token") or ""),
            expires_in=expires_in,
            scope=str(data.get("scope") or ""),
            name=str(data.get("name") or ""),
            orcid=str(data.get("orcid") or ""),
            token_type=str(data.get("token_type") or "bearer"),
        )


# ---------------------------------------------------------------------------------------------
# XML helpers
# ---------------------------------------------------------------------------------------------

def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _child(element, name: str):
    if element is None:
        return None
    for child in element:
        if _local(child) == name:
            return child
    return None


def _children(element, name: str) -> Iterator:
    if element is None:
        return
    for child in element:
        if _local(child) == name:
            yield child


def _text(element, *path: str) -> str:
    node = element
    for name in path:
        node = _child(node, name)
        if node is None:
            return ""
    return (node.text or "").strip()


def _xml_fuzzy_date(element) -> str:
    if element is None:
        return ""
    parts = [_text(element, "year"), _text(element, "month"), _text(element, "day")]
    return "-".join(p for p in parts if p)


def _xml_external_ids(element) -> tuple[ExternalId, ...]:
    container = _child(element, "external-ids")
    return tuple(
        ExternalId.build(
            _text(eid, "external-id-type"),
            _text(eid, "external-id-value"),
            _text(eid, "external-id-relationship"),
            _text(eid, "external-id-url"),
        )
        for eid in _children(container, "external-id")
    )


def _xml_source(element) -> tuple[str | None, str | None, str]:
    source = _child(element, "source")
    if source is None:
        return None, None, ""
    client_id = _text(source, "source-client-id", "path") or None
    source_orcid = _text(source, "source-orcid", "path") or None
    return client_id, source_orcid, _text(source, "source-name")


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _year(date: str) -> int | None:
    return _int(date.split("-")[0]) if date else None


def work_from_xml_element(element, *, body: Any = None) -> WorkSummary:
    client_id, source_orcid, source_name = _xml_source(element)
    date = _xml_fuzzy_date(_child(element, "publication-date"))
    return WorkSummary(
        put_code=_int(element.get("put-code")) or 0,
        title=_text(element, "title", "title"),
        type=_text(element, "type"),
        external_ids=_xml_external_ids(element),
        source_client_id=client_id,
        source_orcid=source_orcid,
        source_name=source_name,
        visibility=element.get("visibility") or "",
        publication_year=_year(date),
        publication_date=date,
        journal_title=_text(element, "journal-title"),
        path=element.get("path") or "",
        body=body,
    )


def _xml_org_item_fields(element, *, body: Any = None) -> dict[str, Any]:
    """The fields an organisation's item shares (affiliations, funding): put-code, dates, the
    organisation, external ids, source, visibility, url and path of a summary element."""
    client_id, source_orcid, source_name = _xml_source(element)
    org = _child(element, "organization")
    disambiguated = _child(org, "disambiguated-organization")
    return dict(
        put_code=_int(element.get("put-code")) or 0,
        start_date=_xml_fuzzy_date(_child(element, "start-date")),
        end_date=_xml_fuzzy_date(_child(element, "end-date")),
        organization_name=_text(org, "name"),
        country=_text(org, "address", "country"),
        disambiguated_organization_id=_text(disambiguated, "disambiguated-organization-identifier"),
        disambiguation_source=_text(disambiguated, "disambiguation-source"),
        external_ids=_xml_external_ids(element),
        source_client_id=client_id,
        source_orcid=source_orcid,
        source_name=source_name,
        visibility=element.get("visibility") or "",
        url=_text(element, "url"),
        path=element.get("path") or "",
        body=body,
    )


def affiliation_from_xml_element(element, *, body: Any = None) -> AffiliationSummary:
    return AffiliationSummary(
        **_xml_org_item_fields(element, body=body),
        department_name=_text(element, "department-name"),
        role_title=_text(element, "role-title"),
        city=_text(element, "organization", "address", "city"),
        region=_text(element, "organization", "address", "region"),
    )


# ---------------------------------------------------------------------------------------------
# JSON helpers
# ---------------------------------------------------------------------------------------------

def _value(node: Any) -> str:
    """ORCID's JSON wraps most strings as {"value": …}; accept either form."""
    if node is None:
        return ""
    if isinstance(node, dict):
        node = node.get("value")
        if node is None:
            return ""
    return str(node).strip()


def _json_fuzzy_date(node: Any) -> str:
    if not isinstance(node, dict):
        return ""
    parts = [_value(node.get("year")), _value(node.get("month")), _value(node.get("day"))]
    return "-".join(p for p in parts if p)


def _json_external_ids(data: dict) -> tuple[ExternalId, ...]:
    container = data.get("external-ids") or {}
    items = container.get("external-id") or [] if isinstance(container, dict) else []
    return tuple(
        ExternalId.build(
            _value(eid.get("external-id-type")),
            _value(eid.get("external-id-value")),
            _value(eid.get("external-id-relationship")),
            _value(eid.get("external-id-url")),
        )
        for eid in items
        if isinstance(eid, dict)
    )


def _json_source(data: dict) -> tuple[str | None, str | None, str]:
    source = data.get("source") or {}
    if not isinstance(source, dict):
        return None, None, ""
    client = source.get("source-client-id") or {}
    orcid = source.get("source-orcid") or {}
    return (
        (client.get("path") if isinstance(client, dict) else None) or None,
        (orcid.get("path") if isinstance(orcid, dict) else None) or None,
        _value(source.get("source-name")),
    )


def work_from_json(data: dict, *, body: Any = None) -> WorkSummary:
    client_id, source_orcid, source_name = _json_source(data)
    title = data.get("title") or {}
    date = _json_fuzzy_date(data.get("publication-date"))
    return WorkSummary(
        put_code=_int(data.get("put-code")) or 0,
        title=_value(title.get("title")) if isinstance(title, dict) else "",
        type=_value(data.get("type")),
        external_ids=_json_external_ids(data),
        source_client_id=client_id,
        source_orcid=source_orcid,
        source_name=source_name,
        visibility=_value(data.get("visibility")).lower(),
        publication_year=_year(date),
        publication_date=date,
        journal_title=_value(data.get("journal-title")),
        path=_value(data.get("path")),
        body=body,
    )


def _json_org_item_fields(data: dict, *, body: Any = None) -> dict[str, Any]:
    """`_xml_org_item_fields` for a JSON summary."""
    client_id, source_orcid, source_name = _json_source(data)
    org = data.get("organization") or {}
    disambiguated = org.get("disambiguated-organization") or {}
    return dict(
        put_code=_int(data.get("put-code")) or 0,
        start_date=_json_fuzzy_date(data.get("start-date")),
        end_date=_json_fuzzy_date(data.get("end-date")),
        organization_name=_value(org.get("name")),
        country=_value((org.get("address") or {}).get("country")),
        disambiguated_organization_id=_value(disambiguated.get("disambiguated-organization-identifier")),
        disambiguation_source=_value(disambiguated.get("disambiguation-source")),
        external_ids=_json_external_ids(data),
        source_client_id=client_id,
        source_orcid=source_orcid,
        source_name=source_name,
        visibility=_value(data.get("visibility")).lower(),
        url=_value(data.get("url")),
        path=_value(data.get("path")),
        body=body,
    )


def affiliation_from_json(data: dict, *, body: Any = None) -> AffiliationSummary:
    address = (data.get("organization") or {}).get("address") or {}
    return AffiliationSummary(
        **_json_org_item_fields(data, body=body),
        department_name=_value(data.get("department-name")),
        role_title=_value(data.get("role-title")),
        city=_value(address.get("city")),
        region=_value(address.get("region")),
    )


# ---------------------------------------------------------------------------------------------
# Whole documents
# ---------------------------------------------------------------------------------------------

def works_from_xml(data: bytes) -> list[WorkSummary]:
    """Every work summary of an `<activities:works>` document (all groups, in ORCID's order)."""
    root = parse_xml(data)
    return [work_from_xml_element(el) for el in root.iter("{%s}work-summary" % NS["work"])]


def works_from_json(data: dict) -> list[WorkSummary]:
    """Every work summary of a `/works` JSON document (all groups, in ORCID's order)."""
    return [
        work_from_json(summary)
        for group in (data.get("group") or [])
        for summary in (group.get("work-summary") or [])
        if isinstance(summary, dict)
    ]


# The seven affiliation sections share one summary shape.
_AFFILIATION_SUMMARIES = tuple(f"{section}-summary" for section in (
    "employment", "education", "qualification", "invited-position", "distinction", "membership", "service"))


def affiliations_from_xml(data: bytes) -> list[AffiliationSummary]:
    root = parse_xml(data)
    return [
        affiliation_from_xml_element(el)
        for el in root.iter()
        if isinstance(el.tag, str) and _local(el) in _AFFILIATION_SUMMARIES
    ]


def affiliations_from_json(data: dict) -> list[AffiliationSummary]:
    result = []
    for group in data.get("affiliation-group") or []:
        for wrapper in group.get("summaries") or []:
            for key in _AFFILIATION_SUMMARIES:
                if isinstance(wrapper, dict) and isinstance(wrapper.get(key), dict):
                    result.append(affiliation_from_json(wrapper[key]))
    return result


def record_from_xml(data: bytes, orcid: str) -> OrcidRecord:
    root = parse_xml(data)
    name = next(root.iter("{%s}name" % NS["person"]), None)
    works = next(root.iter("{%s}works" % NS["activities"]), None)
    employments = next(root.iter("{%s}employments" % NS["activities"]), None)
    return OrcidRecord(
        orcid=orcid,
        given_names=_text(name, "given-names") if name is not None else "",
        family_name=_text(name, "family-name") if name is not None else "",
        credit_name=_text(name, "credit-name") if name is not None else "",
        works=tuple(work_from_xml_element(el) for el in works.iter("{%s}work-summary" % NS["work"])) if works is not None else (),
        employments=tuple(
            affiliation_from_xml_element(el)
            for el in employments.iter("{%s}employment-summary" % NS["employment"])
        )
        if employments is not None
        else (),
        body=data,
    )


def record_from_json(data: dict, orcid: str) -> OrcidRecord:
    person = data.get("person") or {}
    name = person.get("name") or {}
    activities = data.get("activities-summary") or {}
    return OrcidRecord(
        orcid=orcid,
        given_names=_value(name.get("given-names")),
        family_name=_value(name.get("family-name")),
        credit_name=_value(name.get("credit-name")),
        works=tuple(works_from_json(activities.get("works") or {})),
        employments=tuple(affiliations_from_json(activities.get("employments") or {})),
        body=data,
    )


def with_put_code(body: Body, put_code: int) -> bytes | dict:
    """A copy of `body` carrying `put_code` (XML root attribute, JSON key), as ORCID's PUT requires."""
    if isinstance(body, dict):
        updated = copy.deepcopy(body)
        updated["put-code"] = int(put_code)
        return updated
    root = parse_xml(body)
    root.set("put-code", str(int(put_code)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def without_put_code(body: Body) -> bytes | dict:
    """A copy of `body` with no put-code (ORCID refuses a POST that carries one: 9024)."""
    if isinstance(body, dict):
        if "put-code" not in body:
            return body
        updated = dict(body)
        updated.pop("put-code", None)
        return updated
    root = parse_xml(body)
    if root.get("put-code") is None:
        return body if isinstance(body, bytes) else body.encode("utf-8")
    del root.attrib["put-code"]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def bulk_request(bodies: Iterable[Body], item: str = "work") -> bytes | dict:
    """One `/works` bulk body from single-item bodies, all XML or all JSON."""
    bodies = list(bodies)
    formats = {body_format(b) for b in bodies}
    if len(formats) != 1:
        raise ValueError("a bulk request takes bodies of one format: all XML bytes or all JSON dicts")
    if formats == {JSON}:
        return {"bulk": [{item: without_put_code(b)} for b in bodies]}
    bulk = etree.Element("{%s}bulk" % NS["bulk"], nsmap={"bulk": NS["bulk"]})
    for body in bodies:
        bulk.append(parse_xml(without_put_code(body)))
    return etree.tostring(bulk, xml_declaration=True, encoding="UTF-8")


def bulk_results_from_xml(data: bytes) -> list[int | OrcidError]:
    """ORCID's bulk answer in order: the new put-code, or the typed error, for each item."""
    root = parse_xml(data)
    results: list[int | OrcidError] = []
    for element in root:
        name = _local(element)
        if name == "error":
            results.append(error_from_fields(None, error_fields_from_element(element)))
        elif name:
            results.append(_int(element.get("put-code")) or 0)
    return results


def bulk_results_from_json(data: dict) -> list[int | OrcidError]:
    results: list[int | OrcidError] = []
    for entry in data.get("bulk") or []:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("error"), dict):
            results.append(error_from_fields(None, entry["error"]))
            continue
        item = next((v for v in entry.values() if isinstance(v, dict)), {})
        results.append(_int(item.get("put-code")) or 0)
    return results


def encode_body(body: Body) -> bytes:
    """A body as sent: a dict as UTF-8 JSON (orjson, a tenth of json's CPU: a 100-work bulk body
    was 5 % of a sync's CPU), falling back to json for what orjson refuses (a lone surrogate, a
    key that is not a string, an integer beyond 64 bits) so that nothing json wrote is refused."""
    if isinstance(body, dict):
        try:
            return orjson.dumps(body)
        except TypeError:  # orjson.JSONEncodeError
            return json.dumps(body).encode("utf-8")
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body)


def decode_json(content: bytes) -> Any:
    """A JSON answer's body (ORCID's are UTF-8) by orjson; what orjson refuses (another encoding, a
    byte-order mark) by json, as requests reads it. ValueError when neither can."""
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        from requests.utils import guess_json_utf

        text = content.decode(guess_json_utf(content) or "utf-8")
        return json.loads(text.lstrip("\ufeff"))
