"""The v3.0 body of an affiliation item, the same for ORCID's seven sections (employment,
education, qualification, invited-position, distinction, membership, service): they share
`common:affiliation` and differ only in their namespace and element name.

The serialisers of `employments` and `affiliations` gather their row's data into an
`AffiliationBody` and call `affiliation_xml(section, body)` / `affiliation_json(body)`, so
what ORCID receives is written in one place, in the XSD's order (department-name,
role-title, start-date, end-date, organization, url, external-ids):
schemas/orcid-model/common_3.0/common-3.0.xsd, complexType `affiliation`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from orcid_client.organizations import NS_COMMON, Organization, organization_json, organization_xml

SECTIONS = ("employment", "education", "qualification", "invited-position", "distinction", "membership", "service")
# Fuzzy date parts as written: (("year", "2019"), ("month", "09"), ...), or None.
DateParts = tuple[tuple[str, str], ...] | None


@dataclass(frozen=True)
class ExternalIdBody:
    type: str
    value: str
    url: str = ""
    relationship: str = "self"


@dataclass(frozen=True)
class AffiliationBody:
    department: str
    role_title: str
    start: DateParts
    end: DateParts
    organization: Organization
    url: str = ""
    external_ids: tuple[ExternalIdBody, ...] = ()


def section_namespace(section: str) -> str:
    if section not in SECTIONS:
        raise ValueError(f"'{section}' is not an ORCID affiliation section")
    return f"http://www.orcid.org/ns/{section}"


def date_parts(year: int | None, month: int | None, day: int | None) -> DateParts:
    """An ORCID fuzzy date: a year, then a month, then a day (each needs the one before)."""
    if not year:
        return None
    parts = [("year", f"{year:04d}")]
    if month:
        parts.append(("month", f"{month:02d}"))
        if day:
            parts.append(("day", f"{day:02d}"))
    return tuple(parts)


def external_ids_xml(parent, external_ids) -> None:
    if not external_ids:
        return
    c = f"{{{NS_COMMON}}}"
    container = etree.SubElement(parent, c + "external-ids")
    for eid in external_ids:
        element = etree.SubElement(container, c + "external-id")
        etree.SubElement(element, c + "external-id-type").text = eid.type
        etree.SubElement(element, c + "external-id-value").text = eid.value
        if eid.url:
            etree.SubElement(element, c + "external-id-url").text = eid.url
        etree.SubElement(element, c + "external-id-relationship").text = eid.relationship


def external_ids_json(external_ids) -> dict | None:
    if not external_ids:
        return None
    return {"external-id": [
        {
            "external-id-type": eid.type,
            "external-id-value": eid.value,
            "external-id-url": {"value": eid.url} if eid.url else None,
            "external-id-relationship": eid.relationship,
        }
        for eid in external_ids
    ]}


def dates_xml(parent, start: DateParts, end: DateParts) -> None:
    c = f"{{{NS_COMMON}}}"
    for name, parts in (("start-date", start), ("end-date", end)):
        if parts:
            date = etree.SubElement(parent, c + name)
            for part, value in parts:
                etree.SubElement(date, c + part).text = value


def date_json(parts: DateParts) -> dict | None:
    return {part: {"value": value} for part, value in parts} if parts else None


def affiliation_xml(section: str, body: AffiliationBody, *, put_code: int | None = None) -> bytes:
    """The item as v3.0 XML (`<section>:<section>`), UTF-8 with a declaration."""
    namespace = section_namespace(section)
    c = f"{{{NS_COMMON}}}"
    root = etree.Element(f"{{{namespace}}}{section}", nsmap={section: namespace, "common": NS_COMMON})
    if put_code is not None:
        root.set("put-code", str(put_code))
    if body.department:
        etree.SubElement(root, c + "department-name").text = body.department
    if body.role_title:
        etree.SubElement(root, c + "role-title").text = body.role_title
    dates_xml(root, body.start, body.end)
    organization_xml(root, body.organization)
    if body.url:
        etree.SubElement(root, c + "url").text = body.url
    external_ids_xml(root, body.external_ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def affiliation_json(body: AffiliationBody, *, put_code: int | None = None) -> dict:
    """The item as v3.0 JSON (the member API's shape for every affiliation section)."""
    data: dict = {}
    if put_code is not None:
        data["put-code"] = put_code
    data["department-name"] = body.department or None
    data["role-title"] = body.role_title or None
    data["start-date"] = date_json(body.start)
    data["end-date"] = date_json(body.end)
    data["organization"] = organization_json(body.organization)
    if body.url:
        data["url"] = {"value": body.url}
    if body.external_ids:
        data["external-ids"] = external_ids_json(body.external_ids)
    return data
