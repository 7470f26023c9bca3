"""An Employment as the ORCID v3.0 `employment` item, in XML (lxml) and JSON.

The one place that says what is written to ORCID for an employment. The organisation is
the row's own (an Affiliation Manager file may name one) or else the institution
(INSTITUTION_* settings), disambiguated by its ROR id, as ORCID asks member integrations to do:
https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/
https://info.orcid.org/documentation/integration-guide/working-with-organization-identifiers/

Every body this module produces validates against
schemas/orcid-model/record_3.0/employment-3.0.xsd (tests/employments/test_orcid_serialization.py).
"""

from __future__ import annotations

import re

from orcid_client.canonical import content_hash
from orcid_client import organizations, text
from orcid_client.affiliation_body import AffiliationBody, affiliation_json, affiliation_xml, date_parts
from orcid_client.organizations import Organization
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


def ror_url(value: str) -> str:
    """A ROR id in the form ORCID stores: `https://ror.org/<id>` (ROR's own canonical form)."""
    value = (value or "").strip()
    if not value:
        return ""
    bare = re.sub(r"^(https?://)?(www\.)?ror\.org/", "", value, flags=re.IGNORECASE).strip("/")
    return f"https://ror.org/{bare.lower()}"


def institution() -> Organization:
    """The institution (INSTITUTION_* settings): the organisation of an employment whose row
    names none."""
    return organizations.institution()


def _date(year: int | None, month: int | None, day: int | None) -> list[tuple[str, str]] | None:
    """The parts of an ORCID fuzzy date: a year, then a month, then a day (each needs the one before)."""
    parts = date_parts(year, month, day)
    return list(parts) if parts else None


def employment_fields(employment: Employment) -> dict:
    """What is written, as plain data in ORCID's order: the base of both XML and JSON."""
    return {
        "department-name": clean_text(employment.department, DEPARTMENT_MAX),
        "role-title": clean_text(employment.role_title, ROLE_TITLE_MAX),
        "start-date": _date(employment.start_year, employment.start_month, employment.start_day),
        "end-date": _date(employment.end_year, employment.end_month, employment.end_day),
        "organization": employment.organization(),
    }


def _body(employment: Employment) -> AffiliationBody:
    fields = employment_fields(employment)
    return AffiliationBody(
        department=fields["department-name"],
        role_title=fields["role-title"],
        start=tuple(fields["start-date"]) if fields["start-date"] else None,
        end=tuple(fields["end-date"]) if fields["end-date"] else None,
        organization=fields["organization"],
    )


def employment_to_xml(employment: Employment, *, put_code: int | None = None) -> bytes:
    """The employment as ORCID v3.0 XML (`employment:employment`), UTF-8 with a declaration.
    `put_code` is set for an update (PUT); the client also sets it."""
    return affiliation_xml("employment", _body(employment), put_code=put_code)


def employment_to_json(employment: Employment, *, put_code: int | None = None) -> dict:
    """The employment as ORCID v3.0 JSON (the shape of the member API's `employment`)."""
    return affiliation_json(_body(employment), put_code=put_code)


def employment_content_hash(employment: Employment) -> str:
    """SHA-256 of what would be written, so the sync updates an item only when this changes
    (including a change of the INSTITUTION_* settings)."""
    return content_hash(employment_to_json(employment))
