"""An Affiliation as the ORCID v3.0 item of its section (education, qualification,
invited-position, distinction, membership, service), in XML (lxml) and JSON.

The one place that says what is written to ORCID for these six sections; the body itself
is built by `orcid_client.affiliation_body`, as employments' is. Text is cleaned and cut
as ORCID can store it (`orcid_client.text`). Every body validates against its section's
XSD in schemas/orcid-model/record_3.0 (tests/affiliations/test_orcid_serialization.py).
https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from lxml import etree

from orcid_client.canonical import content_hash
from orcid_client import text
from orcid_client.affiliation_body import (
    AffiliationBody,
    ExternalIdBody,
    affiliation_json,
    affiliation_xml,
    date_parts,
)
from orcid_client.text import cut_text

from .models import Affiliation

DEPARTMENT_MAX = 1000
ROLE_TITLE_MAX = 1000
URL_MAX = 2000
EXTERNAL_ID_MAX = 2084


def clean_text(value: str | None, limit: int) -> str:
    return cut_text(text.clean_text(value), limit)


def affiliation_body(affiliation: Affiliation) -> AffiliationBody:
    """What is written, as plain data: the base of both XML and JSON."""
    external_ids = ()
    eid_type = (affiliation.external_id_type or "").strip().lower()
    eid_value = text.clean_text(affiliation.external_id_value)
    if eid_type and eid_value and len(eid_value) <= EXTERNAL_ID_MAX:
        external_ids = (ExternalIdBody(eid_type, eid_value, (affiliation.external_id_url or "").strip()),)
    url = (affiliation.url or "").strip()
    return AffiliationBody(
        department=clean_text(affiliation.department, DEPARTMENT_MAX),
        role_title=clean_text(affiliation.role_title, ROLE_TITLE_MAX),
        start=date_parts(affiliation.start_year, affiliation.start_month, affiliation.start_day),
        end=date_parts(affiliation.end_year, affiliation.end_month, affiliation.end_day),
        organization=affiliation.organization(),
        url=url if len(url) <= URL_MAX else "",
        external_ids=external_ids,
    )


def affiliation_to_xml(affiliation: Affiliation, *, put_code: int | None = None) -> bytes:
    """The affiliation as v3.0 XML of its section (`education:education`, ...)."""
    return affiliation_xml(affiliation.section, affiliation_body(affiliation), put_code=put_code)


def affiliation_to_json(affiliation: Affiliation, *, put_code: int | None = None) -> dict:
    """The affiliation as v3.0 JSON (the member API's shape for its section)."""
    return affiliation_json(affiliation_body(affiliation), put_code=put_code)


def affiliation_content_hash(affiliation: Affiliation) -> str:
    """SHA-256 of what would be written (the section included: a move is a new item)."""
    return content_hash(affiliation_to_json(affiliation), section=affiliation.section)


@lru_cache(maxsize=8)
def section_schema(section: str) -> etree.XMLSchema:
    """ORCID's official XSD of a section (schemas/orcid-model/record_3.0/<section>-3.0.xsd)."""
    return etree.XMLSchema(etree.parse(str(settings.ORCID_SCHEMA_DIR / "record_3.0" / f"{section}-3.0.xsd")))


def affiliation_xml_errors(section: str, xml: bytes) -> list[str]:
    """What the section's XSD says is wrong with `xml` (empty: valid)."""
    schema = section_schema(section)
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
