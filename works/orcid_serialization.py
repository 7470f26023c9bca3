"""A work as ORCID v3.0 writes it: XML (lxml) and JSON, and the hash of what is written.

Both forms come from one intermediate description (`work_payload`), so they always say the
same thing, and `work_content_hash` hashes that description: the sync writes again only when
the hash changes.

Every value is made safe for ORCID here, once:
- characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF) are
  removed, text is NFC-normalised, and one-line fields have their whitespace collapsed;
- lengths stay within the limits of ORCID's XSD (common-3.0.xsd): title, subtitle and
  journal-title 1,000 characters, short-description 5,000, credit-name 150. A longer title is
  cut at a word boundary and ends with an ellipsis; every cut or dropped value is recorded in
  `WorkPayload.notes`, which the curation page shows beside the preview;
- the publication date is written only when ORCID's XSD accepts it (years 1900-2100, real
  months and days);
- external ids carry ORCID's relationship (`self`, or `part-of` for an ISSN or a chapter's
  ISBN) and, where ORCID links them, their resolver URL (https://doi.org/…).

Reference: https://github.com/ORCID/orcid-model/blob/master/src/main/resources/record_3.0/work-3.0.xsd
and the write samples in schemas/orcid-model/samples/write_samples/.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring

from django.conf import settings
from lxml import etree

from orcid_client.canonical import canonical_external_ids, canonical_json_hash
from orcid_client.identifiers import ORCID_IDENTIFIER_TYPES, external_id_relationship, external_id_url
from orcid_client.text import clean_text, cut_text

from .models import Work, WorkType

WORK_NS = "http://www.orcid.org/ns/work"
COMMON_NS = "http://www.orcid.org/ns/common"
NSMAP = {"work": WORK_NS, "common": COMMON_NS}

TITLE_MAX = 1000
SUBTITLE_MAX = 1000
JOURNAL_TITLE_MAX = 1000
SHORT_DESCRIPTION_MAX = 5000
CREDIT_NAME_MAX = 150
# ORCID's XSD sets no limit on these; we keep them to sizes ORCID's registry stores and shows.
CITATION_MAX = 10000
URL_MAX = 2000
EXTERNAL_ID_VALUE_MAX = 2084
# A record shows a work's first contributors only; ORCID advises listing the main ones. Big
# collaborations (hundreds of authors) stay within a size ORCID accepts.
CONTRIBUTORS_MAX = 100
YEAR_MIN, YEAR_MAX = 1900, 2100

CONTRIBUTOR_ROLES = frozenset(
    {"author", "assignee", "editor", "chair-or-translator", "co-investigator", "co-inventor", "graduate-student",
     "other-inventor", "principal-investigator", "postdoctoral-researcher", "support-staff"}
)
CITATION_TYPES = frozenset(
    {"bibtex", "formatted-apa", "formatted-chicago", "formatted-harvard", "formatted-ieee", "formatted-mla",
     "formatted-vancouver", "formatted-unspecified", "ris"}
)
_WORK_TYPES = frozenset(WorkType.values)



@dataclass(frozen=True)
class ExternalId:
    type: str
    value: str
    url: str
    relationship: str


@dataclass(frozen=True)
class Contributor:
    name: str
    orcid: str
    sequence: str
    role: str


@dataclass
class WorkPayload:
    """What will be written for a work, field by field, after every clean-up."""

    title: str
    subtitle: str
    journal_title: str
    short_description: str
    citation_type: str
    citation_value: str
    type: str
    year: int | None
    month: int | None
    day: int | None
    external_ids: list[ExternalId]
    url: str
    contributors: list[Contributor]
    notes: list[str] = field(default_factory=list)


def _limited(value: str, limit: int, label: str, notes: list[str]) -> str:
    if len(value) > limit:
        notes.append(f"The {label} has {len(value):,} characters; ORCID takes {limit:,}, so it was shortened.")
        return cut_text(value, limit)
    return value


def work_payload(work: Work) -> WorkPayload:
    """The description of what will be written for `work` (no queries; pure)."""
    notes: list[str] = []
    title = _limited(clean_text(work.title), TITLE_MAX, "title", notes)
    subtitle = _limited(clean_text(work.subtitle), SUBTITLE_MAX, "subtitle", notes)
    journal_title = _limited(clean_text(work.journal_title), JOURNAL_TITLE_MAX, "journal title", notes)
    short_description = _limited(
        clean_text(work.short_description, single_line=False), SHORT_DESCRIPTION_MAX, "description", notes
    )
    work_type = work.work_type if work.work_type in _WORK_TYPES else WorkType.OTHER.value
    if work_type != work.work_type:
        notes.append(f"'{work.work_type}' is not an ORCID work type; it is written as 'other'.")

    year, month, day = _publication_date(work, notes)
    external_ids = _external_ids(work, work_type, notes)
    url = clean_text(work.url)
    if url and (len(url) > URL_MAX or not re.match(r"^https?://\S+$", url)):
        notes.append("The link is not a web address ORCID accepts; it is left out.")
        url = ""
    contributors = _contributors(work, notes)

    citation_type = (work.citation_type or "").strip().lower()
    citation_value = clean_text(work.citation, single_line=False)
    if citation_value and citation_type not in CITATION_TYPES:
        citation_type = "formatted-unspecified"
    if not citation_value:
        citation_type, citation_value = "bibtex", _bibtex(work, title, subtitle, journal_title, year, month,
                                                          external_ids, contributors, work_type)
    citation_value = _limited(citation_value, CITATION_MAX, "citation", notes)

    return WorkPayload(
        title=title, subtitle=subtitle, journal_title=journal_title, short_description=short_description,
        citation_type=citation_type, citation_value=citation_value, type=work_type,
        year=year, month=month, day=day, external_ids=external_ids, url=url, contributors=contributors,
        notes=notes,
    )


def work_serialization_notes(work: Work) -> list[str]:
    """What the serialiser had to change or leave out for `work` (shown to the researcher)."""
    return work_payload(work).notes


def _publication_date(work: Work, notes: list[str]) -> tuple[int | None, int | None, int | None]:
    year, month, day = work.publication_year, work.publication_month, work.publication_day
    if not year:
        return None, None, None
    if not YEAR_MIN <= year <= YEAR_MAX:
        notes.append(f"ORCID takes publication years from {YEAR_MIN} to {YEAR_MAX}; the date ({year}) is left out.")
        return None, None, None
    if not month or not 1 <= month <= 12:
        return year, None, None
    if not day or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return year, month, None
    return year, month, day


def _external_ids(work: Work, work_type: str, notes: list[str]) -> list[ExternalId]:
    result: list[ExternalId] = []
    seen: set[tuple[str, str]] = set()
    for item in work.external_ids or []:
        id_type = clean_text(str(item.get("type") or "")).lower()
        value = clean_text(str(item.get("value") or ""))
        if not id_type or not value:
            continue
        if id_type not in ORCID_IDENTIFIER_TYPES:
            notes.append(f"ORCID does not know the identifier type '{id_type}'; it is left out.")
            continue
        if len(value) > EXTERNAL_ID_VALUE_MAX:
            notes.append(f"The {id_type} identifier is too long for ORCID; it is left out.")
            continue
        relationship = item.get("relationship") or external_id_relationship(work_type, id_type)
        # funded-by is for grants only (ORCID refuses it on other types); anything unknown is
        # replaced by the relationship ORCID expects for the type.
        if relationship not in {"self", "part-of", "version-of"}:
            relationship = external_id_relationship(work_type, id_type)
        key = (id_type, value.lower())
        if key in seen:
            continue
        seen.add(key)
        result.append(ExternalId(type=id_type, value=value, url=external_id_url(id_type, value),
                                 relationship=relationship))
    return result


def _contributors(work: Work, notes: list[str]) -> list[Contributor]:
    people = [c for c in (work.contributors or []) if isinstance(c, dict)]
    result: list[Contributor] = []
    for person in people:
        name = clean_text(str(person.get("name") or ""))
        orcid = clean_text(str(person.get("orcid") or "")).upper()
        if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", orcid):
            orcid = ""
        if not name and not orcid:
            continue
        if len(name) > CREDIT_NAME_MAX:
            notes.append(f"A contributor's name is longer than ORCID's {CREDIT_NAME_MAX} characters; it was shortened.")
            name = cut_text(name, CREDIT_NAME_MAX)
        role = str(person.get("role") or "author").strip().lower()
        if role not in CONTRIBUTOR_ROLES and not role.startswith("http://credit.niso.org/contributor-roles/"):
            role = "author"
        result.append(
            Contributor(name=name, orcid=orcid, sequence="first" if not result else "additional", role=role)
        )
    if len(result) > CONTRIBUTORS_MAX:
        notes.append(f"ORCID is sent the first {CONTRIBUTORS_MAX} of the {len(result):,} contributors.")
        result = result[:CONTRIBUTORS_MAX]
    return result


_BIBTEX_TYPES = {
    "journal-article": "article", "magazine-article": "article", "newspaper-article": "article",
    "newsletter-article": "article", "book": "book", "edited-book": "book", "book-chapter": "incollection",
    "conference-paper": "inproceedings", "conference-abstract": "inproceedings", "conference-poster": "inproceedings",
    "dissertation-thesis": "phdthesis", "report": "techreport", "working-paper": "techreport", "manual": "manual",
}


# BibTeX's month macros: English whatever the process's locale (calendar.month_abbr follows
# LC_TIME, and asked strftime each time).
_BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

_DOI_LINK = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def _bibtex_escape(value: str) -> str:
    # Braces balance BibTeX groups; an unbalanced one would corrupt the entry, so drop them.
    return value.replace("{", "").replace("}", "").replace("\\", "")


def _bibtex(work, title, subtitle, journal_title, year, month, external_ids, contributors, work_type) -> str:
    entry_type = _BIBTEX_TYPES.get(work_type, "misc")
    key = re.sub(r"[^A-Za-z0-9_:.-]", "", work.local_id or "")[:60] or "work"
    fields: list[tuple[str, str]] = []
    names = [c.name for c in contributors if c.name and c.role == "author"]
    if names:
        fields.append(("author", " and ".join(names)))
    full_title = f"{title}: {subtitle}" if subtitle else title
    fields.append(("title", full_title))
    if journal_title:
        fields.append(({"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}.get(
            entry_type, "howpublished"), journal_title))
    if year:
        fields.append(("year", str(year)))
    if month:
        fields.append(("month", _BIBTEX_MONTHS[month - 1]))
    for ext in external_ids:
        if ext.type == "doi":
            # The DOI itself, however the unit gave it (a resolver link is the same DOI).
            fields.append(("doi", _DOI_LINK.sub("", ext.value)))
        elif ext.type == "isbn":
            fields.append(("isbn", ext.value))
        elif ext.type == "issn":
            fields.append(("issn", ext.value))
    body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}"


# --------------------------------------------------------------------------------------------
# The two forms
# --------------------------------------------------------------------------------------------
def work_to_json(work: Work) -> dict:
    """The work as ORCID v3.0 JSON (the body of POST /v3.0/{orcid}/work)."""
    return payload_to_json(work_payload(work))


def payload_to_json(p: WorkPayload) -> dict:
    title: dict = {"title": {"value": p.title}}
    if p.subtitle:
        title["subtitle"] = {"value": p.subtitle}
    body: dict = {"title": title}
    if p.journal_title:
        body["journal-title"] = {"value": p.journal_title}
    if p.short_description:
        body["short-description"] = p.short_description
    if p.citation_value:
        body["citation"] = {"citation-type": p.citation_type, "citation-value": p.citation_value}
    body["type"] = p.type
    if p.year:
        date: dict = {"year": {"value": f"{p.year:04d}"}}
        if p.month:
            date["month"] = {"value": f"{p.month:02d}"}
            if p.day:
                date["day"] = {"value": f"{p.day:02d}"}
        body["publication-date"] = date
    body["external-ids"] = {
        "external-id": [
            {
                "external-id-type": e.type,
                "external-id-value": e.value,
                **({"external-id-url": {"value": e.url}} if e.url else {}),
                "external-id-relationship": e.relationship,
            }
            for e in p.external_ids
        ]
    }
    if p.url:
        body["url"] = {"value": p.url}
    if p.contributors:
        body["contributors"] = {"contributor": [_contributor_json(c) for c in p.contributors]}
    return body


def _orcid_host() -> str:
    # Contributor iDs are written as ORCID shows them: on the host of the ORCID in use
    # (orcid.org, sandbox.orcid.org); the simulator's iDs use orcid.org's form.
    base = settings.ORCID_BASE_URL or ""
    match = re.match(r"^https://((?:[^/]*\.)?orcid\.org)", base)
    return match.group(1) if match else "orcid.org"


def _contributor_json(c: Contributor) -> dict:
    item: dict = {}
    if c.orcid:
        host = _orcid_host()
        item["contributor-orcid"] = {"uri": f"https://{host}/{c.orcid}", "path": c.orcid, "host": host}
    if c.name:
        item["credit-name"] = {"value": c.name}
    item["contributor-attributes"] = {"contributor-sequence": c.sequence, "contributor-role": c.role}
    return item


def work_to_xml(work: Work) -> bytes:
    """The work as an ORCID v3.0 `<work:work>` XML document (UTF-8 bytes)."""
    return payload_to_xml(work_payload(work))


def _sub(parent, ns: str, tag: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = text
    return element


def payload_to_xml(p: WorkPayload) -> bytes:
    root = etree.Element(f"{{{WORK_NS}}}work", nsmap=NSMAP)
    title = _sub(root, WORK_NS, "title")
    _sub(title, COMMON_NS, "title", p.title)
    if p.subtitle:
        _sub(title, COMMON_NS, "subtitle", p.subtitle)
    if p.journal_title:
        _sub(root, WORK_NS, "journal-title", p.journal_title)
    if p.short_description:
        _sub(root, WORK_NS, "short-description", p.short_description)
    if p.citation_value:
        citation = _sub(root, WORK_NS, "citation")
        _sub(citation, WORK_NS, "citation-type", p.citation_type)
        _sub(citation, WORK_NS, "citation-value", p.citation_value)
    _sub(root, WORK_NS, "type", p.type)
    if p.year:
        date = _sub(root, COMMON_NS, "publication-date")
        _sub(date, COMMON_NS, "year", f"{p.year:04d}")
        if p.month:
            _sub(date, COMMON_NS, "month", f"{p.month:02d}")
            if p.day:
                _sub(date, COMMON_NS, "day", f"{p.day:02d}")
    ids = _sub(root, COMMON_NS, "external-ids")
    for e in p.external_ids:
        ext = _sub(ids, COMMON_NS, "external-id")
        _sub(ext, COMMON_NS, "external-id-type", e.type)
        _sub(ext, COMMON_NS, "external-id-value", e.value)
        if e.url:
            _sub(ext, COMMON_NS, "external-id-url", e.url)
        _sub(ext, COMMON_NS, "external-id-relationship", e.relationship)
    if p.url:
        _sub(root, COMMON_NS, "url", p.url)
    if p.contributors:
        contributors = _sub(root, WORK_NS, "contributors")
        for c in p.contributors:
            contributor = _sub(contributors, WORK_NS, "contributor")
            if c.orcid:
                host = _orcid_host()
                orcid = _sub(contributor, COMMON_NS, "contributor-orcid")
                _sub(orcid, COMMON_NS, "uri", f"https://{host}/{c.orcid}")
                _sub(orcid, COMMON_NS, "path", c.orcid)
                _sub(orcid, COMMON_NS, "host", host)
            if c.name:
                _sub(contributor, WORK_NS, "credit-name", c.name)
            attributes = _sub(contributor, WORK_NS, "contributor-attributes")
            _sub(attributes, WORK_NS, "contributor-sequence", c.sequence)
            _sub(attributes, WORK_NS, "contributor-role", c.role)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def work_content_hash(work: Work) -> str:
    """A stable SHA-256 of what ORCID would show of `work` (orcid_client.canonical): changes
    when the visible content changes, not with whitespace, a DOI's form or the serialiser's
    layout; notes and database-only fields (approval, timestamps) do not count."""
    return payload_content_hash(work_payload(work))


# --------------------------------------------------------------------------------------------
# The canonical content, straight from the payload
# --------------------------------------------------------------------------------------------
def payload_content_hash(p: WorkPayload) -> str:
    """`content_hash(payload_to_json(p))`, the ledger's hash of a work, without building the JSON,
    walking it and encoding the result (most of a bulk call's CPU, issue 17 item 5)."""
    return canonical_json_hash(payload_canonical_json(p))


def payload_canonical_json(p: WorkPayload) -> str:
    """`canonical_json(payload_to_json(p))` (orcid_client.canonical), written field by field.

    The same rules, for what this payload can hold: each text through `clean_text` as the walk's
    leaves are (cleaning is not idempotent: a removed control character can let NFC compose),
    vocabularies (types, citation type, sequence, role) lower-case, empty values and emptied
    objects left out, the date `YYYY[-MM[-DD]]`, the external ids by `canonical_external_ids`,
    a contributor's iD its upper-case path; keys in sorted order, compact, as `json.dumps(...,
    sort_keys=True, separators=(",", ":"), ensure_ascii=False)` writes them. Any change to
    `payload_to_json` must be made here too: tests/works/test_payload_canonical.py compares the
    two on random works."""
    citation = _object(
        ("citation-type", _string(clean_text(p.citation_type).lower())),
        ("citation-value", _string(clean_text(p.citation_value))),
    ) if p.citation_value else ""
    contributors = _array(map(_contributor_canonical_json, p.contributors))
    external_ids = canonical_external_ids(
        (clean_text(e.type), clean_text(e.value), clean_text(e.url), clean_text(e.relationship))
        for e in p.external_ids
    )
    return _object(
        ("citation", citation),
        ("contributors", f'{{"contributor":{contributors}}}' if contributors else ""),
        ("external-ids", _array(map(_external_id_json, external_ids))),
        ("journal-title", _string(clean_text(p.journal_title))),
        ("publication-date", _string(_canonical_date(p))),
        ("short-description", _string(clean_text(p.short_description))),
        ("title", _object(("subtitle", _string(clean_text(p.subtitle))), ("title", _string(clean_text(p.title))))),
        ("type", _string(clean_text(p.type).lower())),
        ("url", _string(clean_text(p.url))),
    ) or "{}"


def _string(text: str) -> str:
    # A text as JSON, as json.dumps(..., ensure_ascii=False) writes it (the same C function);
    # "" for an empty one, which the containers leave out.
    return encode_basestring(text) if text else ""


def _object(*members: tuple[str, str]) -> str:
    # Members given in sorted key order, each value already JSON; empty ones ("") left out, and
    # the object too when nothing is left.
    inner = ",".join([f'"{key}":{value}' for key, value in members if value])
    return f"{{{inner}}}" if inner else ""


def _array(items) -> str:
    inner = ",".join([item for item in items if item])
    return f"[{inner}]" if inner else ""


def _external_id_json(item: dict) -> str:
    # canonical_external_ids' dicts hold non-empty texts only; their keys, sorted.
    return _object(*((key, encode_basestring(item[key])) for key in ("relationship", "type", "url", "value")
                     if key in item))


def _canonical_date(p: WorkPayload) -> str:
    # As payload_to_json writes it (a day only with a month), then as canonical's _date reads it:
    # the parts up to the first absent one or one not all digits.
    parts = []
    for number, width in ((p.year, 4), (p.month, 2), (p.day, 2)):
        if not number:
            break
        text = f"{number:0{width}d}"
        if not text.isdigit():
            break
        parts.append(text)
    return "-".join(parts)


def _contributor_canonical_json(c: Contributor) -> str:
    orcid = ""
    if c.orcid:
        orcid = clean_text(c.orcid) or clean_text(f"https://{_orcid_host()}/{c.orcid}").rstrip("/").rsplit("/", 1)[-1]
    return _object(
        ("contributor-attributes", _object(
            ("contributor-role", _string(clean_text(c.role).lower())),
            ("contributor-sequence", _string(clean_text(c.sequence).lower())),
        )),
        ("contributor-orcid", _string(orcid.upper())),
        ("credit-name", _string(clean_text(c.name))),
    )


@lru_cache(maxsize=1)
def work_schema() -> etree.XMLSchema:
    """ORCID's official work-3.0.xsd, loaded once (for tests and admin checks)."""
    path = settings.ORCID_SCHEMA_DIR / "record_3.0" / "work-3.0.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def work_xml_errors(xml: bytes) -> list[str]:
    """The XSD's complaints about `xml` (empty when it validates)."""
    schema = work_schema()
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]
