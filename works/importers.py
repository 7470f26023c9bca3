"""Reading the units' files of works: CSV and CSL-JSON (CONTRACT §3), one entry at a time.

Each entry becomes a validated, normalised `WorkData`, or a `RowInvalid` with a reason a
librarian can act on. Reading, limits, the upsert and the report are the importer framework's
(units/importing): this module declares the works kind, `WORKS`, to it (issue 10).

Normalisation (with idutils and python-stdnum, see orcid_client.identifiers): DOIs to their bare
lower-case `10.…` form whatever the spelling, PMIDs to digits, PMCIDs to `PMC…`, ISBNs to the
13 digits of ISBN-13 (ISBN-10s converted, checksums verified), ISSNs to `NNNN-NNNX`, ORCID iDs
of contributors checked by their checksum.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import IO

from orcid_client.identifiers import (
    InvalidIdentifier,
    clean_external_id,
    clean_orcid,
    external_id_relationship,
)

from units.importing import (
    Entry,
    ImportFileError,
    ImportKind,
    ImportLimits,
    RowInvalid,
    RowOutcome,
    entries_parse,
    file_format,
    kind_register,
    read_csv,
    read_json,
)

from .models import Work, WorkType
from .orcid_serialization import CONTRIBUTOR_ROLES, clean_text

__all__ = ["WORKS", "Entry", "ImportFileError", "RowInvalid", "WorkData", "file_format", "iter_csl_json", "iter_csv"]

CSV_COLUMNS = (
    "institutional_id", "local_id", "title", "subtitle", "type", "publication_date", "journal", "doi", "pmid",
    "pmcid", "isbn", "arxiv", "url", "contributors", "public",
)
# Optional columns beyond the contract's, read when present.
CSV_EXTRA_COLUMNS = ("issn", "handle", "citation", "citation_type", "description")
CSV_REQUIRED_COLUMNS = ("institutional_id", "local_id", "title")

_WORK_TYPES = frozenset(WorkType.values)
# ORCID's own aliases (WorkType.fromValue in orcid-model).
_WORK_TYPE_ALIASES = {
    "article-journal": "journal-article", "chapter": "book-chapter", "dataset": "data-set", "standard":
    "standards-and-policy",
}

# CSL 1.0.2 item types (https://docs.citationstyles.org/en/stable/specification.html#appendix-iii-types)
# mapped to ORCID work types.
CSL_TYPES = {
    "article": "preprint",
    "article-journal": "journal-article",
    "article-magazine": "magazine-article",
    "article-newspaper": "newspaper-article",
    "bill": "other",
    "book": "book",
    "broadcast": "other",
    "chapter": "book-chapter",
    "classic": "book",
    "collection": "edited-book",
    "dataset": "data-set",
    "document": "other",
    "entry": "encyclopedia-entry",
    "entry-dictionary": "dictionary-entry",
    "entry-encyclopedia": "encyclopedia-entry",
    "event": "conference-output",
    "figure": "other",
    "graphic": "image",
    "hearing": "other",
    "interview": "other",
    "legal_case": "other",
    "legislation": "standards-and-policy",
    "manuscript": "working-paper",
    "map": "cartographic-material",
    "motion_picture": "moving-image",
    "musical_score": "musical-composition",
    "pamphlet": "other",
    "paper-conference": "conference-paper",
    "patent": "patent",
    "performance": "artistic-performance",
    "periodical": "journal-issue",
    "personal_communication": "other",
    "post": "online-resource",
    "post-weblog": "blog-post",
    "regulation": "standards-and-policy",
    "report": "report",
    "review": "review",
    "review-book": "book-review",
    "software": "software",
    "song": "sound",
    "speech": "public-speech",
    "standard": "standards-and-policy",
    "thesis": "dissertation-thesis",
    "treaty": "other",
    "webpage": "website",
}

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass
class WorkData:
    """One work as the unit describes it, validated and normalised."""

    institutional_id: str
    local_id: str
    title: str
    work_type: str
    subtitle: str = ""
    publication_year: int | None = None
    publication_month: int | None = None
    publication_day: int | None = None
    journal_title: str = ""
    short_description: str = ""
    external_ids: list[dict] = field(default_factory=list)
    url: str = ""
    contributors: list[dict] = field(default_factory=list)
    citation: str = ""
    citation_type: str = ""
    public: bool = False

    def source_hash(self) -> str:
        # A plain dict of the fields (dataclasses.asdict deep-copies, which is most of the cost).
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Field rules shared by both formats
# --------------------------------------------------------------------------------------------
def _institutional_id(value) -> str:
    iid = str(value or "").strip().lower()
    if not iid:
        raise RowInvalid("institutional_id is empty")
    if not _USERNAME.match(iid):
        raise RowInvalid(f"institutional_id '{iid[:60]}' has characters an institutional ID cannot have")
    return iid


def _local_id(value) -> str:
    local_id = clean_text(str(value or ""))
    if not local_id:
        raise RowInvalid("local_id is empty")
    if len(local_id) > 200:
        raise RowInvalid("local_id is longer than 200 characters")
    return local_id


def _title(value) -> str:
    title = clean_text(str(value or ""))
    if not title:
        raise RowInvalid("title is empty")
    return title


def _work_type(value) -> str:
    raw = str(value or "").strip().lower().replace("_", "-").replace(" ", "-")
    if not raw:
        raise RowInvalid("type is empty (use an ORCID work type such as journal-article)")
    work_type = _WORK_TYPE_ALIASES.get(raw, raw)
    if work_type not in _WORK_TYPES:
        raise RowInvalid(f"type '{raw[:60]}' is not an ORCID work type (e.g. journal-article, book, conference-paper)")
    return work_type


def _date_parts(year, month=None, day=None, *, original: str) -> tuple[int, int | None, int | None]:
    try:
        y = int(year)
        m = int(month) if month not in (None, "") else None
        d = int(day) if day not in (None, "") else None
    except (TypeError, ValueError):
        raise RowInvalid(f"publication date '{original}' is not YYYY, YYYY-MM or YYYY-MM-DD") from None
    if not 1000 <= y <= 9999:
        raise RowInvalid(f"publication date '{original}' has no four-digit year")
    if m is not None and not 1 <= m <= 12:
        raise RowInvalid(f"publication date '{original}' has no month {m}")
    if d is not None and (m is None or not 1 <= d <= calendar.monthrange(y, m)[1]):
        raise RowInvalid(f"publication date '{original}' is not a real date")
    return y, m, d


def _publication_date(value) -> tuple[int | None, int | None, int | None]:
    text = str(value or "").strip()
    if not text:
        return None, None, None
    match = _DATE.match(text)
    if not match:
        raise RowInvalid(f"publication_date '{text[:40]}' is not YYYY, YYYY-MM or YYYY-MM-DD")
    return _date_parts(*match.groups(), original=text)


def _public(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        # Private unless the unit says otherwise: nothing is shown on ORCID by default.
        return False
    raise RowInvalid(f"public '{text[:20]}' is not true or false")


def _url(value) -> str:
    url = clean_text(str(value or ""))
    if not url:
        return ""
    if len(url) > 2000 or not _URL.match(url):
        raise RowInvalid(f"url '{url[:80]}' is not a web address (http:// or https://)")
    return url


def _identifiers(pairs: list[tuple[str, str]], work_type: str) -> list[dict]:
    """Validated external ids from (type, raw value) pairs; a bad one rejects the entry."""
    result: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for id_type, raw in pairs:
        raw = clean_text(str(raw or ""))
        if not raw:
            continue
        try:
            value = clean_external_id(id_type, raw)
        except InvalidIdentifier as exc:
            raise RowInvalid(f"{id_type}: {exc}") from None
        if (id_type, value) in seen:
            continue
        seen.add((id_type, value))
        result.append({"type": id_type, "value": value, "relationship": external_id_relationship(work_type, id_type)})
    return result


def _split_many(value) -> list[str]:
    """CSL and CSV cells may hold several ISBNs or ISSNs: "978… 0-306…", "1234-5678, 8765-4321"."""
    if isinstance(value, list):
        return [str(v) for v in value]
    parts: list[str] = []
    for chunk in re.split(r"[,;]", str(value or "")):
        chunk = chunk.strip()
        if not chunk:
            continue
        # "978 0 306 40615 7" is one ISBN written with spaces; "9780306406157 0306406152" two.
        if len(re.sub(r"[^0-9Xx]", "", chunk)) in (8, 10, 13):
            parts.append(chunk)
        else:
            parts.extend(chunk.split())
    return parts


def _contributor(name: str, orcid: str = "", role: str = "author") -> dict:
    name = clean_text(name)
    orcid_value = ""
    if orcid and orcid.strip():
        try:
            orcid_value = clean_orcid(orcid)
        except InvalidIdentifier as exc:
            raise RowInvalid(f"contributor '{name[:60]}': {exc}") from None
    role = (role or "author").strip().lower()
    if role not in CONTRIBUTOR_ROLES and not role.startswith("http://credit.niso.org/contributor-roles/"):
        raise RowInvalid(f"contributor '{name[:60]}': role '{role[:40]}' is not an ORCID contributor role")
    return {"name": name, "orcid": orcid_value, "role": role}


def _csv_contributors(value) -> list[dict]:
    people = []
    for part in str(value or "").split(";"):
        if not part.strip():
            continue
        pieces = [p.strip() for p in part.split("|")]
        name = pieces[0]
        orcid = pieces[1] if len(pieces) > 1 else ""
        role = pieces[2] if len(pieces) > 2 and pieces[2] else "author"
        if not name and not orcid:
            continue
        people.append(_contributor(name, orcid, role))
    return people


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def parse_csv_row(row: dict) -> WorkData:
    """A CSV row (column name → cell) as WorkData. Raises RowInvalid."""
    get = lambda name: row.get(name) or ""  # noqa: E731
    work_type = _work_type(get("type"))
    year, month, day = _publication_date(get("publication_date"))
    pairs = [("doi", get("doi")), ("pmid", get("pmid")), ("pmc", get("pmcid"))]
    pairs += [("isbn", v) for v in _split_many(get("isbn"))]
    pairs += [("arxiv", get("arxiv")), ("handle", get("handle"))]
    pairs += [("issn", v) for v in _split_many(get("issn"))]
    return WorkData(
        institutional_id=_institutional_id(get("institutional_id")),
        local_id=_local_id(get("local_id")),
        title=_title(get("title")),
        subtitle=clean_text(get("subtitle")),
        work_type=work_type,
        publication_year=year, publication_month=month, publication_day=day,
        journal_title=clean_text(get("journal")),
        short_description=clean_text(get("description"), single_line=False),
        external_ids=_identifiers(pairs, work_type),
        url=_url(get("url")),
        contributors=_csv_contributors(get("contributors")),
        citation=clean_text(get("citation"), single_line=False),
        citation_type=clean_text(get("citation_type")).lower(),
        public=_public(row.get("public")),
    )


# --------------------------------------------------------------------------------------------
# CSL-JSON
# --------------------------------------------------------------------------------------------
def _first(value) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _csl_date(issued) -> tuple[int | None, int | None, int | None]:
    if not issued:
        return None, None, None
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if parts and isinstance(parts, list) and parts[0]:
            first = list(parts[0])[:3]
            if first and first[0] not in (None, ""):
                return _date_parts(*(first + [None] * (3 - len(first))), original=json.dumps(first))
        raw = issued.get("raw") or issued.get("literal")
        if raw:
            return _publication_date(str(raw).strip()[:10])
        return None, None, None
    return _publication_date(str(issued))


def _csl_name(person: dict) -> str:
    if person.get("literal"):
        return str(person["literal"])
    given = str(person.get("given") or "").strip()
    family = " ".join(
        str(person.get(k) or "").strip() for k in ("non-dropping-particle", "family") if person.get(k)
    )
    suffix = str(person.get("suffix") or "").strip()
    return " ".join(p for p in (given, family, suffix) if p)


def parse_csl_item(item) -> WorkData:
    """A CSL-JSON item (with the extra keys institutional_id, local_id, public) as WorkData."""
    if not isinstance(item, dict):
        raise RowInvalid("the item is not a JSON object")
    csl_type = str(item.get("type") or "").strip().lower()
    if csl_type in CSL_TYPES:
        work_type = CSL_TYPES[csl_type]
    elif csl_type:
        work_type = _WORK_TYPE_ALIASES.get(csl_type, csl_type)
        if work_type not in _WORK_TYPES:
            raise RowInvalid(f"type '{csl_type[:40]}' is neither a CSL nor an ORCID work type")
    else:
        raise RowInvalid("type is empty")
    year, month, day = _csl_date(item.get("issued"))
    pairs = [("doi", item.get("DOI")), ("pmid", item.get("PMID")), ("pmc", item.get("PMCID"))]
    pairs += [("isbn", v) for v in _split_many(item.get("ISBN"))]
    pairs += [("arxiv", item.get("arxiv") or item.get("arXiv") or item.get("ARXIV"))]
    pairs += [("issn", v) for v in _split_many(item.get("ISSN"))]
    people: list[dict] = []
    for key, role in (("author", "author"), ("editor", "editor"), ("translator", "chair-or-translator")):
        for person in item.get(key) or []:
            if isinstance(person, dict):
                name = _csl_name(person)
                orcid = str(person.get("ORCID") or person.get("orcid") or "")
                if name or orcid:
                    people.append(_contributor(name, orcid, role))
    local_id = item.get("local_id")
    if local_id in (None, ""):
        local_id = item.get("id")
    subtitle = _first(item.get("subtitle"))
    return WorkData(
        institutional_id=_institutional_id(item.get("institutional_id")),
        local_id=_local_id(local_id),
        title=_title(_first(item.get("title"))),
        subtitle=clean_text(subtitle),
        work_type=work_type,
        publication_year=year, publication_month=month, publication_day=day,
        journal_title=clean_text(_first(item.get("container-title"))),
        short_description=clean_text(_first(item.get("abstract")), single_line=False),
        external_ids=_identifiers(pairs, work_type),
        url=_url(item.get("URL")),
        contributors=people,
        public=_public(item.get("public")),
    )


# --------------------------------------------------------------------------------------------
# The works kind (units/importing)
# --------------------------------------------------------------------------------------------
# Fields an import owns: a re-import may change these, never the researcher's choices.
IMPORTED_FIELDS = (
    "title", "subtitle", "work_type", "publication_year", "publication_month", "publication_day", "journal_title",
    "short_description", "external_ids", "url", "contributors", "citation", "citation_type", "public",
)


def work_values(data: WorkData) -> dict:
    """The Work fields of a parsed row; `source_hash` tells an unchanged row at a glance."""
    values = {name: getattr(data, name) for name in IMPORTED_FIELDS}
    values["source_hash"] = data.source_hash()
    return values


def _works_report_line(outcome: RowOutcome) -> str:
    # The works report as units have parsed it since the start: `line 2: created lib-1`.
    if outcome.outcome == "rejected":
        return f"{outcome.where}: rejected: {outcome.reason}"
    return f"{outcome.where}: {outcome.outcome} {outcome.local_id}"


WORKS = kind_register(ImportKind(
    name="works",
    label="works",
    model=Work,
    columns=CSV_COLUMNS,
    required_columns=CSV_REQUIRED_COLUMNS,
    parse_row=lambda cells: parse_csv_row(cells),
    parse_item=lambda item: parse_csl_item(item),
    fields=(*IMPORTED_FIELDS, "source_hash"),
    compare_fields=("source_hash",),
    values=work_values,
    prepare=Work.refresh_derived_fields,
    prepared_fields=("has_self_id", "identifiers_text"),
    restored_outcome="updated",
    report_line=_works_report_line,
    json_label="CSL-JSON",
    on_created=lambda works: _preferences_apply(works=works),
))


def _preferences_apply(*, works) -> None:
    from .preferences import preferences_apply  # the researchers' standing choices (issue 14)

    preferences_apply(works=works)


def iter_csv(stream: IO[str]) -> Iterator[Entry]:
    """Entries of a CSV held as text (tests, small texts): the framework's reader and limits."""
    data = io.BytesIO(stream.read().encode("utf-8"))
    return entries_parse(WORKS, read_csv(data, required=CSV_REQUIRED_COLUMNS, expected=CSV_COLUMNS,
                                         limits=ImportLimits.from_settings()), "csv")


def iter_csl_json(stream: IO[bytes]) -> Iterator[Entry]:
    """Entries of a CSL-JSON stream (an array of items, or an object with "items"), numbered
    from 1 ("item 3")."""
    return entries_parse(WORKS, read_json(stream, limits=ImportLimits.from_settings(), kind_label="CSL-JSON"), "json")
