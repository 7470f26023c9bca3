"""The preview of a work as ORCID's record page lists it (issue 14): read from the very JSON body
the portal sends, so what the researcher sees is what ORCID will show."""

from __future__ import annotations

from orcid_client.identifiers import external_id_url

from .models import WorkType

ID_LABELS = {"doi": "DOI", "pmid": "PMID", "pmc": "PMCID", "isbn": "ISBN", "arxiv": "arXiv", "uri": "URI",
             "handle": "Handle", "issn": "ISSN"}


def _value(node, *path) -> str:
    for key in path:
        if not isinstance(node, dict):
            return ""
        node = node.get(key)
    return str(node) if node not in (None, "") else ""


def _date(body: dict) -> str:
    date = body.get("publication-date") or {}
    year, month, day = _value(date, "year", "value"), _value(date, "month", "value"), _value(date, "day", "value")
    if not year:
        return ""
    # ORCID's record page: "2020-03-14" as the work's date.
    return "-".join(part for part in (year, month, day) if part) if month else year


def _identifiers(body: dict) -> list[dict]:
    rows = []
    for ext in (body.get("external-ids") or {}).get("external-id", []) or []:
        kind, value = ext.get("external-id-type", ""), ext.get("external-id-value", "")
        url = _value(ext, "external-id-url", "value") or external_id_url(kind, value)
        rows.append({"label": ID_LABELS.get(kind, kind.upper()), "value": value,
                     "url": url if url.startswith(("https://", "http://")) else "",
                     "relationship": ext.get("external-id-relationship", "")})
    return rows


def _contributors(body: dict) -> list[dict]:
    people = []
    for person in (body.get("contributors") or {}).get("contributor", []) or []:
        orcid = _value(person, "contributor-orcid", "path")
        people.append({"name": _value(person, "credit-name", "value"), "orcid": orcid,
                       "orcid_uri": _value(person, "contributor-orcid", "uri"),
                       "role": _value(person, "contributor-attributes", "contributor-role")})
    return people


def work_display(body: dict) -> dict:
    """What ORCID's record page shows of the work whose JSON body is `body`."""
    work_type = body.get("type", "")
    return {
        "title": _value(body, "title", "title", "value"),
        "subtitle": _value(body, "title", "subtitle", "value"),
        "journal": _value(body, "journal-title", "value"),
        "date": _date(body),
        "type": dict(WorkType.choices).get(work_type, work_type),
        "identifiers": _identifiers(body),
        "contributors": _contributors(body),
        "url": _value(body, "url", "value"),
    }
