"""The member API's calls for the activity sections beyond works, written once for all of them:
the seven affiliation sections (employment, education, qualification, invited-position,
distinction, membership, service) and funding.

`OrcidClient` inherits these (`orcid_client.client`); they sit on its generic
`_item_create/_item_update/_item_delete/_item_read`, so rate limiting, retries, timeouts and
error mapping are the client's own. ORCID's paths: `POST /{section}`, `PUT|GET|DELETE
/{section}/{put-code}`, and the summaries at the plural path (`/educations`,
`/invited-positions`, `/fundings`):
https://github.com/ORCID/orcid-model/blob/master/src/main/resources/record_3.0/README.md
"""

from __future__ import annotations

from typing import Any

from orcid_client import documents, funding_documents
from orcid_client.documents import JSON, AffiliationSummary, Body

AFFILIATION_SECTIONS = ("employment", "education", "qualification", "invited-position", "distinction",
                        "membership", "service")
FUNDING = "funding"
SECTIONS = (*AFFILIATION_SECTIONS, FUNDING)
# The summary sections of `/activities`, by the section (item kind) they hold, as ORCID names them.
ACTIVITY_SECTIONS = {"work": "works", **{s: f"{s}s" for s in AFFILIATION_SECTIONS}, FUNDING: "fundings"}


def section_check(section: str) -> str:
    if section not in SECTIONS:
        raise ValueError(f"'{section}' is not an ORCID activity section this client writes ({', '.join(SECTIONS)})")
    return section


class ActivitiesMixin:
    """Generic calls of the affiliation sections and funding, `section` being one of `SECTIONS`."""

    def activity_create(self, *, section: str, orcid: str, access_token: str, body: Body) -> int:
        """Add an item to `section` (POST /{section}); return its put-code. Raises `Invalid` for a
        body ORCID refuses, `Duplicate` (funding: same `self` external id), `OutcomeUnknown`."""
        return self._item_create(orcid, access_token, section_check(section), body)

    def activity_update(self, *, section: str, orcid: str, access_token: str, put_code: int, body: Body) -> None:
        """Replace an item (PUT /{section}/{put-code}). Raises `NotFound`, `NotSource`, `Invalid`."""
        self._item_update(orcid, access_token, section_check(section), put_code, body)

    def activity_delete(self, *, section: str, orcid: str, access_token: str, put_code: int) -> None:
        """Remove an item (DELETE /{section}/{put-code})."""
        self._item_delete(orcid, access_token, section_check(section), put_code)

    def activity_read(self, *, section: str, orcid: str, access_token: str, put_code: int,
                      fmt: str | None = None) -> Any:
        """One item (GET /{section}/{put-code}) as its summary dataclass (`AffiliationSummary`
        or `FundingSummary`) with ORCID's full document in `.body`. Raises `NotFound`."""
        data, fmt = self._item_read(orcid, access_token, [section_check(section), int(put_code)], fmt)
        if section == FUNDING:
            if fmt == JSON:
                return funding_documents.funding_from_json(data, body=data)
            return funding_documents.funding_from_xml_element(documents.parse_xml(data), body=data)
        if fmt == JSON:
            return documents.affiliation_from_json(data, body=data)
        return documents.affiliation_from_xml_element(documents.parse_xml(data), body=data)

    def activity_summaries_read(self, *, section: str, orcid: str, access_token: str,
                                fmt: str | None = None) -> list:
        """Every item of `section` on the record, from every source (GET /{section}s):
        `AffiliationSummary`s, or `FundingSummary`s for funding."""
        data, fmt = self._item_read(orcid, access_token, [f"{section_check(section)}s"], fmt)
        if section == FUNDING:
            if fmt == JSON:
                return funding_documents.fundings_from_json(data)
            return funding_documents.fundings_from_xml(data)
        summaries: list[AffiliationSummary] = (
            documents.affiliations_from_json(data) if fmt == JSON else documents.affiliations_from_xml(data)
        )
        return summaries

    def activities_read(self, *, orcid: str, access_token: str, fmt: str | None = None) -> dict[str, list]:
        """Every section of the record in ONE call (GET /activities): the summaries of each
        section ('work', 'employment', ..., 'funding'; every key present, [] when empty) as
        `works_read` and `activity_summaries_read` give them. What the reconcile reads: one
        call per record instead of one per section (issue 17)."""
        data, fmt = self._item_read(orcid, access_token, ["activities"], fmt)
        if fmt == JSON:
            return {section: _section_from_json(section, data.get(plural) or {})
                    for section, plural in ACTIVITY_SECTIONS.items()}
        root = documents.parse_xml(data)
        by_plural = {documents._local(child): child for child in root if isinstance(child.tag, str)}
        return {section: _section_from_xml(section, by_plural.get(plural))
                for section, plural in ACTIVITY_SECTIONS.items()}


def _section_from_json(section: str, data: dict) -> list:
    if section == "work":
        return documents.works_from_json(data)
    if section == FUNDING:
        return funding_documents.fundings_from_json(data)
    return documents.affiliations_from_json(data)


def _section_from_xml(section: str, element) -> list:
    if element is None:
        return []
    if section == "work":
        return [documents.work_from_xml_element(el) for el in element.iter("{%s}work-summary" % documents.NS["work"])]
    wanted = "funding-summary" if section == FUNDING else f"{section}-summary"
    make = funding_documents.funding_from_xml_element if section == FUNDING else documents.affiliation_from_xml_element
    return [make(el) for el in element.iter() if isinstance(el.tag, str) and documents._local(el) == wanted]
