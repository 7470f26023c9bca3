"""A Funding as the ORCID v3.0 `funding` item, in XML (lxml) and JSON.

The one place that says what is written to ORCID for a funding: its type, title, amount
(with an ISO 4217 currency), url, dates, the grant number as the `self` external id of type
`grant_number` (what ORCID matches duplicates by), the researcher as the contributor with
their role, and the funder as a disambiguated organisation. Elements follow the XSD's order
(schemas/orcid-model/record_3.0/funding-3.0.xsd); every body validates against it
(tests/funding/test_orcid_serialization.py).
https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from lxml import etree

from orcid_client.canonical import content_hash
from orcid_client import text
from orcid_client.affiliation_body import (
    ExternalIdBody,
    date_json,
    date_parts,
    dates_xml,
    external_ids_json,
    external_ids_xml,
)
from orcid_client.organizations import NS_COMMON, organization_json, organization_xml
from orcid_client.text import cut_text

from .models import Funding

NS_FUNDING = "http://www.orcid.org/ns/funding"
NSMAP = {"funding": NS_FUNDING, "common": NS_COMMON}
TITLE_MAX = 1000
URL_MAX = 2000
GRANT_NUMBER = "grant_number"


def clean_text(value: str | None, limit: int) -> str:
    return cut_text(text.clean_text(value), limit)


def researcher_orcid(funding: Funding) -> str:
    """The researcher's ORCID iD, for the contributor; the sync's queryset annotates it
    (`researcher_orcid`), else it is read once and kept on the object."""
    orcid = getattr(funding, "researcher_orcid", None)
    if orcid is None:
        from connections.models import OrcidConnection

        orcid = (
            OrcidConnection.objects.filter(user_id=funding.researcher_id).values_list("orcid", flat=True).first()
            or ""
        )
        funding.researcher_orcid = orcid
    return orcid or ""


def _external_ids(funding: Funding) -> tuple[ExternalIdBody, ...]:
    number = text.clean_text(funding.grant_number)
    if not number:
        return ()
    return (ExternalIdBody(GRANT_NUMBER, number, _url(funding), "self"),)


def _url(funding: Funding) -> str:
    url = (funding.grant_url or "").strip()
    return url if len(url) <= URL_MAX else ""


def _contributor_json(funding: Funding) -> dict | None:
    orcid = researcher_orcid(funding)
    if not funding.role and not orcid:
        return None
    contributor: dict = {}
    if orcid:
        contributor["contributor-orcid"] = {"uri": f"https://orcid.org/{orcid}", "path": orcid, "host": "orcid.org"}
    if funding.role:
        contributor["contributor-attributes"] = {"contributor-role": funding.role}
    return {"contributor": [contributor]}


def funding_to_json(funding: Funding, *, put_code: int | None = None) -> dict:
    """The funding as v3.0 JSON (the member API's `funding`)."""
    body: dict = {}
    if put_code is not None:
        body["put-code"] = put_code
    body["type"] = funding.funding_type
    body["title"] = {"title": {"value": clean_text(funding.title, TITLE_MAX)}}
    if funding.amount is not None and funding.currency:
        body["amount"] = {"value": funding.amount_text, "currency-code": funding.currency.upper()}
    if _url(funding):
        body["url"] = {"value": _url(funding)}
    body["start-date"] = date_json(date_parts(funding.start_year, funding.start_month, funding.start_day))
    body["end-date"] = date_json(date_parts(funding.end_year, funding.end_month, funding.end_day))
    if _external_ids(funding):
        body["external-ids"] = external_ids_json(_external_ids(funding))
    contributors = _contributor_json(funding)
    if contributors:
        body["contributors"] = contributors
    body["organization"] = organization_json(funding.funder())
    return body


def _contributors_xml(root, contributors: dict | None) -> None:
    if not contributors:
        return
    c, f = f"{{{NS_COMMON}}}", f"{{{NS_FUNDING}}}"
    container = etree.SubElement(root, f + "contributors")
    for data in contributors["contributor"]:
        contributor = etree.SubElement(container, f + "contributor")
        if "contributor-orcid" in data:
            orcid = etree.SubElement(contributor, c + "contributor-orcid")
            for part in ("uri", "path", "host"):
                etree.SubElement(orcid, c + part).text = data["contributor-orcid"][part]
        if "contributor-attributes" in data:
            attributes = etree.SubElement(contributor, f + "contributor-attributes")
            role = data["contributor-attributes"]["contributor-role"]
            etree.SubElement(attributes, f + "contributor-role").text = role


def funding_to_xml(funding: Funding, *, put_code: int | None = None) -> bytes:
    """The funding as v3.0 XML (`funding:funding`), UTF-8 with a declaration."""
    c, f = f"{{{NS_COMMON}}}", f"{{{NS_FUNDING}}}"
    root = etree.Element(f + "funding", nsmap=NSMAP)
    if put_code is not None:
        root.set("put-code", str(put_code))
    etree.SubElement(root, f + "type").text = funding.funding_type
    title = etree.SubElement(root, f + "title")
    etree.SubElement(title, c + "title").text = clean_text(funding.title, TITLE_MAX)
    if funding.amount is not None and funding.currency:
        amount = etree.SubElement(root, f + "amount", {"currency-code": funding.currency.upper()})
        amount.text = funding.amount_text
    if _url(funding):
        etree.SubElement(root, c + "url").text = _url(funding)
    dates_xml(
        root,
        date_parts(funding.start_year, funding.start_month, funding.start_day),
        date_parts(funding.end_year, funding.end_month, funding.end_day),
    )
    external_ids_xml(root, _external_ids(funding))
    _contributors_xml(root, _contributor_json(funding))
    organization_xml(root, funding.funder())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def funding_content_hash(funding: Funding) -> str:
    """SHA-256 of what would be written, so the sync updates an item only when this changes."""
    return content_hash(funding_to_json(funding))


@lru_cache(maxsize=1)
def funding_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(settings.ORCID_SCHEMA_DIR / "record_3.0" / "funding-3.0.xsd")))


def funding_xml_errors(xml: bytes) -> list[str]:
    """What funding-3.0.xsd says is wrong with `xml` (empty: valid)."""
    schema = funding_schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
