"""ORCID v3.0 funding documents as the client hands them out: `FundingSummary`, from XML or
JSON alike (`/fundings` groups, or one `/funding/{put-code}`). Element and key names follow
schemas/orcid-model/record_3.0/funding-3.0.xsd; the helpers are those of
`orcid_client.documents`, so a funding parses as works and affiliations do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orcid_client.documents import (
    ExternalId,
    SelfMatchedSummary,
    _child,
    _json_org_item_fields,
    _local,
    _text,
    _value,
    _xml_org_item_fields,
    parse_xml,
)


@dataclass(frozen=True)
class FundingSummary(SelfMatchedSummary):
    """A funding on an ORCID record. `body` holds the raw document for single reads; its `self`
    external ids are the grant numbers."""

    put_code: int
    title: str = ""
    type: str = ""
    amount: str = ""
    currency: str = ""
    start_date: str = ""
    end_date: str = ""
    organization_name: str = ""
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


def funding_from_xml_element(element, *, body: Any = None) -> FundingSummary:
    amount = _child(element, "amount")
    return FundingSummary(
        **_xml_org_item_fields(element, body=body),
        title=_text(element, "title", "title"),
        type=_text(element, "type"),
        amount=(amount.text or "").strip() if amount is not None else "",
        currency=(amount.get("currency-code") or "") if amount is not None else "",
    )


def funding_from_json(data: dict, *, body: Any = None) -> FundingSummary:
    title = data.get("title") or {}
    amount = data.get("amount") or {}
    return FundingSummary(
        **_json_org_item_fields(data, body=body),
        title=_value(title.get("title")) if isinstance(title, dict) else "",
        type=_value(data.get("type")),
        amount=_value(amount) if isinstance(amount, dict) else "",
        currency=str(amount.get("currency-code") or "") if isinstance(amount, dict) else "",
    )


def fundings_from_xml(data: bytes) -> list[FundingSummary]:
    """Every funding summary of an `<activities:fundings>` document, in ORCID's order."""
    root = parse_xml(data)
    return [
        funding_from_xml_element(el) for el in root.iter() if isinstance(el.tag, str) and _local(el) == "funding-summary"
    ]


def fundings_from_json(data: dict) -> list[FundingSummary]:
    """Every funding summary of a `/fundings` JSON document (all groups, in ORCID's order)."""
    return [
        funding_from_json(summary)
        for group in (data.get("group") or [])
        if isinstance(group, dict)
        for summary in (group.get("funding-summary") or [])
        if isinstance(summary, dict)
    ]
