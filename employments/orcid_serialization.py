"""An Employment as the ORCID v3.0 `employment` item, in XML (lxml) and JSON.

The one place that says what is written to ORCID for an employment. The organisation is
the institution (INSTITUTION_* settings), disambiguated by its ROR id, as ORCID asks
member integrations to do:
https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/
https://info.orcid.org/documentation/integration-guide/working-with-organization-identifiers/

Every body this module produces validates against
schemas/orcid-model/record_3.0/employment-3.0.xsd (tests/employments/test_orcid_serialization.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from django.conf import settings
from lxml import etree

from orcid_client import text
from orcid_client.text import cut_text

from .models import Employment

NS_EMPLOYMENT = "http://www.orcid.org/ns/employment"
NS_COMMON = "http://www.orcid.org/ns/common"
NSMAP = {"employment": NS_EMPLOYMENT, "common": NS_COMMON}

# ORCID's own limits for affiliation text (its validator refuses longer values with a 400).
DEPARTMENT_MAX = 1000
ROLE_TITLE_MAX = 1000
ORGANIZATION_TEXT_MAX = 1000


def clean_text(value: str | None, limit: int) -> str:
    """`value` cleaned as ORCID can store it, on one line, and cut to `limit` characters."""
    return cut_text(text.clean_text(value), limit)


@dataclass(frozen=True)
class Organization:
    name: str
    city: str
    region: str
    country: str
    ror: str


def ror_url(value: str) -> str:
    """A ROR id in the form ORCID stores: `https://ror.org/<id>` (ROR's own canonical form)."""
    value = (value or "").strip()
    if not value:
        return ""
    bare = re.sub(r"^(https?://)?(www\.)?ror\.org/", "", value, flags=re.IGNORECASE).strip("/")
    return f"https://ror.org/{bare.lower()}"


def institution() -> Organization:
    """The organisation every employment is at, from the INSTITUTION_* settings."""
    return Organization(
        name=clean_text(settings.INSTITUTION_NAME, ORGANIZATION_TEXT_MAX),
        city=clean_text(settings.INSTITUTION_CITY, ORGANIZATION_TEXT_MAX),
        region=clean_text(getattr(settings, "INSTITUTION_REGION", ""), ORGANIZATION_TEXT_MAX),
        country=(settings.INSTITUTION_COUNTRY or "").strip().upper(),
        ror=ror_url(settings.INSTITUTION_ROR),
    )


def _date(year: int | None, month: int | None, day: int | None) -> list[tuple[str, str]] | None:
    """The parts of an ORCID fuzzy date: a year, then a month, then a day (each needs the one before)."""
    if not year:
        return None
    parts = [("year", f"{year:04d}")]
    if month:
        parts.append(("month", f"{month:02d}"))
        if day:
            parts.append(("day", f"{day:02d}"))
    return parts


def employment_fields(employment: Employment) -> dict:
    """What is written, as plain data in ORCID's order: the base of both XML and JSON."""
    return {
        "department-name": clean_text(employment.department, DEPARTMENT_MAX),
        "role-title": clean_text(employment.role_title, ROLE_TITLE_MAX),
        "start-date": _date(employment.start_year, employment.start_month, employment.start_day),
        "end-date": _date(employment.end_year, employment.end_month, employment.end_day),
        "organization": institution(),
    }


def employment_to_xml(employment: Employment, *, put_code: int | None = None) -> bytes:
    """The employment as ORCID v3.0 XML (`employment:employment`), UTF-8 with a declaration.
    `put_code` is set for an update (PUT); the client also sets it."""
    fields = employment_fields(employment)
    c = f"{{{NS_COMMON}}}"
    root = etree.Element(f"{{{NS_EMPLOYMENT}}}employment", nsmap=NSMAP)
    if put_code is not None:
        root.set("put-code", str(put_code))
    for name in ("department-name", "role-title"):
        if fields[name]:
            etree.SubElement(root, c + name).text = fields[name]
    for name in ("start-date", "end-date"):
        if fields[name]:
            date = etree.SubElement(root, c + name)
            for part, value in fields[name]:
                etree.SubElement(date, c + part).text = value
    org: Organization = fields["organization"]
    organization = etree.SubElement(root, c + "organization")
    etree.SubElement(organization, c + "name").text = org.name
    address = etree.SubElement(organization, c + "address")
    if org.city:
        etree.SubElement(address, c + "city").text = org.city
    if org.region:
        etree.SubElement(address, c + "region").text = org.region
    if org.country:
        etree.SubElement(address, c + "country").text = org.country
    if org.ror:
        disambiguated = etree.SubElement(organization, c + "disambiguated-organization")
        etree.SubElement(disambiguated, c + "disambiguated-organization-identifier").text = org.ror
        etree.SubElement(disambiguated, c + "disambiguation-source").text = "ROR"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def employment_to_json(employment: Employment, *, put_code: int | None = None) -> dict:
    """The employment as ORCID v3.0 JSON (the shape of the member API's `employment`)."""
    fields = employment_fields(employment)
    body: dict = {}
    if put_code is not None:
        body["put-code"] = put_code
    for name in ("department-name", "role-title"):
        body[name] = fields[name] or None
    for name in ("start-date", "end-date"):
        body[name] = {part: {"value": value} for part, value in fields[name]} if fields[name] else None
    org: Organization = fields["organization"]
    address = {"city": org.city or None, "region": org.region or None, "country": org.country or None}
    body["organization"] = {
        "name": org.name,
        "address": address,
        "disambiguated-organization": (
            {"disambiguated-organization-identifier": org.ror, "disambiguation-source": "ROR"} if org.ror else None
        ),
    }
    return body


def employment_content_hash(employment: Employment) -> str:
    """SHA-256 of what would be written, so the sync updates an item only when this changes
    (including a change of the INSTITUTION_* settings)."""
    canonical = json.dumps(employment_to_json(employment), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
