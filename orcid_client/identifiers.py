"""External identifiers as ORCID compares them.

ORCID matches works by the normalised value of their external ids (a DOI is the same
whatever its spelling). Everything that compares identifiers (the importers, the
serialiser, the sync's reconcile, the "already on ORCID" marks, the simulator's
duplicate check) calls `normalise_external_id`, so they all agree.

Two functions, two jobs:
- `normalise_external_id(type, value)` never fails: it gives the comparison key of any
  value, valid or not (what ORCID itself reads back may be in any spelling).
- `clean_external_id(type, value)` validates (checksums with python-stdnum, syntax with
  idutils) and returns the normalised value, or raises `InvalidIdentifier` with a reason a
  librarian understands. The importers use it.

ISBNs: ISBN-10s are converted to ISBN-13 (python-stdnum), so a book known by both forms is one
identifier, and comparisons with ORCID items carrying either form agree. ORCID accepts
either form; we write ISBN-13.
"""

from __future__ import annotations

import re
import urllib.parse

import idutils
from stdnum import isbn as stdnum_isbn
from stdnum import issn as stdnum_issn
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.iso7064 import mod_11_2

# The identifier types ORCID accepts with relationship `self` for a work (CONTRACT's
# eligibility rule). ORCID's full list is at https://pub.orcid.org/v3.0/identifiers; ISSN is
# only ever `part-of` (it names the journal), ISBN is `self` for a book and `part-of` for a
# chapter (see `external_id_relationship`).
SELF_TYPES = frozenset(
    {
        "doi", "pmid", "pmc", "isbn", "arxiv", "handle", "uri", "eid", "wosuid", "bibcode", "ark", "urn",
        "other-id", "ssrn", "jstor", "osti", "lensid", "pat", "rfc", "zbl", "mr", "ethos", "oclc", "lccn",
        "hal", "source-work-id",
    }
)
# Every identifier type ORCID knows, by API name (https://pub.orcid.org/v3.0/identifiers);
# ORCID refuses a work carrying any other.
ORCID_IDENTIFIER_TYPES = frozenset(
    {
        "agr", "ark", "arxiv", "asin", "asin-tld", "authenticusid", "bibcode", "cba", "cgn", "cienciaiul", "cit",
        "cstr", "ctx", "dnb", "doi", "eid", "emdb", "empiar", "ethos", "grant_number", "hal", "handle", "hir",
        "isbn", "ismn", "issn", "jfm", "jstor", "k10plus", "kuid", "lccn", "lensid", "mr", "oclc", "ol", "osti",
        "other-id", "pat", "pdb", "pmc", "pmid", "ppr", "proposal-id", "raid", "rfc", "rrid", "source-work-id",
        "ssrn", "uri", "urn", "wosuid", "zbl",
    }
)
# Types that name the container (journal, series), never the work itself.
PART_OF_ONLY_TYPES = frozenset({"issn"})
# Work types whose ISBN is that of the book they are part of.
ISBN_PART_OF_WORK_TYPES = frozenset(
    {"book-chapter", "conference-paper", "conference-abstract", "conference-poster", "dictionary-entry",
     "encyclopedia-entry", "book-review"}
)

# Where ORCID links each type (external-id-url).
_RESOLVERS = {
    "doi": "https://doi.org/{}",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/{}",
    "pmc": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}",
    "arxiv": "https://arxiv.org/abs/{}",
    "handle": "https://hdl.handle.net/{}",
    "issn": "https://portal.issn.org/resource/ISSN/{}",
}

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:\s*|urn:doi:|info:doi/)", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/|arxiv:\s*)", re.IGNORECASE)
_PMID_PREFIX = re.compile(
    r"^(?:https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/|https?://pubmed\.ncbi\.nlm\.nih\.gov/|pmid:\s*)",
    re.IGNORECASE,
)
_PMC_PREFIX = re.compile(r"^(?:https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pmc/articles/|pmcid:\s*)", re.IGNORECASE)
_HANDLE_PREFIX = re.compile(r"^(?:https?://hdl\.handle\.net/|hdl:\s*)", re.IGNORECASE)
_ORCID_PREFIX = re.compile(r"^(?:https?://(?:www\.|sandbox\.)?orcid\.org/)", re.IGNORECASE)
_ORCID_SHAPE = re.compile(r"^\d{4}-?\d{4}-?\d{4}-?\d{3}[\dX]$")


class InvalidIdentifier(ValueError):
    """An identifier that is not valid for its type; the message says why."""


def normalise_external_id(id_type: str, value: str) -> str:
    """The normalised form of `value` for identifier type `id_type` (ORCID's type names).

    Never raises: an invalid value gets a best-effort key (trimmed, prefixes removed)."""
    id_type = (id_type or "").strip().lower()
    value = (value or "").strip()
    if id_type == "doi":
        return urllib.parse.unquote(_DOI_PREFIX.sub("", value)).strip().lower()
    if id_type == "pmid":
        return _PMID_PREFIX.sub("", value).strip().strip("/").lstrip("0") or value
    if id_type == "pmc":
        digits = re.sub(r"(?i)^pmc", "", _PMC_PREFIX.sub("", value).strip("/ "))
        return "PMC" + digits if digits else ""
    if id_type == "isbn":
        compact = re.sub(r"[^0-9Xx]", "", value).upper()
        if len(compact) == 10 and stdnum_isbn.is_valid(compact):
            return stdnum_isbn.to_isbn13(compact)
        return compact
    if id_type == "issn":
        compact = re.sub(r"[^0-9Xx]", "", value).upper()
        return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else compact
    if id_type == "arxiv":
        bare = _ARXIV_PREFIX.sub("", value).strip()
        return bare.lower()
    if id_type == "handle":
        return _HANDLE_PREFIX.sub("", value).strip().lower()
    return value.lower()


def clean_external_id(id_type: str, value: str) -> str:
    """Validate `value` as an identifier of `id_type` and return its normalised form.

    Raises `InvalidIdentifier` (with a reason) when the value is not one."""
    id_type = (id_type or "").strip().lower()
    raw = (value or "").strip()
    if not raw:
        raise InvalidIdentifier(f"the {id_type} is empty")
    normalised = normalise_external_id(id_type, raw)
    if id_type == "doi":
        if not idutils.is_doi(normalised) or any(c.isspace() for c in normalised):
            raise InvalidIdentifier(f"'{raw}' is not a DOI (expected 10.<prefix>/<suffix>)")
        return normalised
    if id_type == "pmid":
        if not normalised.isdigit() or len(normalised) > 9:
            raise InvalidIdentifier(f"'{raw}' is not a PubMed ID (digits only)")
        return normalised
    if id_type == "pmc":
        if not idutils.is_pmcid(normalised):
            raise InvalidIdentifier(f"'{raw}' is not a PubMed Central ID (PMC followed by digits)")
        return normalised
    if id_type == "isbn":
        try:
            compact = stdnum_isbn.validate(raw)
        except StdnumValidationError as exc:
            raise InvalidIdentifier(f"'{raw}' is not a valid ISBN ({_stdnum_reason(exc)})") from exc
        return stdnum_isbn.to_isbn13(compact) if len(compact) == 10 else compact
    if id_type == "issn":
        try:
            compact = stdnum_issn.validate(raw)
        except StdnumValidationError as exc:
            raise InvalidIdentifier(f"'{raw}' is not a valid ISSN ({_stdnum_reason(exc)})") from exc
        return stdnum_issn.format(compact)
    if id_type == "arxiv":
        if not idutils.is_arxiv(normalised):
            raise InvalidIdentifier(f"'{raw}' is not an arXiv identifier (e.g. 2101.00001 or hep-th/9901001)")
        return normalised
    if id_type == "handle":
        if not idutils.is_handle(normalised):
            raise InvalidIdentifier(f"'{raw}' is not a Handle (prefix/suffix)")
        return normalised
    if id_type == "uri":
        if not idutils.is_url(raw):
            raise InvalidIdentifier(f"'{raw}' is not a URI")
        return raw
    return normalised


def _stdnum_reason(exc: StdnumValidationError) -> str:
    return str(exc.message if hasattr(exc, "message") else exc).rstrip(".").lower()


def external_id_relationship(work_type: str, id_type: str) -> str:
    """ORCID's relationship of an identifier of `id_type` to a work of `work_type`:
    `part-of` for an ISSN, and for the ISBN of a chapter (the book's ISBN); `self` otherwise."""
    id_type = (id_type or "").lower()
    if id_type in PART_OF_ONLY_TYPES:
        return "part-of"
    if id_type == "isbn" and work_type in ISBN_PART_OF_WORK_TYPES:
        return "part-of"
    return "self"


def external_id_url(id_type: str, value: str) -> str:
    """The resolver URL ORCID shows for an identifier, or "" when it has none."""
    template = _RESOLVERS.get((id_type or "").lower())
    if template and re.match(r"^https?://", value or "", re.IGNORECASE):
        return value  # already the link (a DOI given as https://doi.org/...), not to be wrapped again
    if template:
        return template.format(urllib.parse.quote(value, safe="/:;()._-~+=,@!$&*'"))
    if id_type == "uri" and idutils.is_url(value):
        return value
    return ""


def clean_orcid(value: str) -> str:
    """An ORCID iD in its bare form 0000-0002-1825-0097, checked by its ISO 7064 checksum.

    Accepts https://orcid.org/… and digits without hyphens. Raises `InvalidIdentifier`."""
    raw = (value or "").strip()
    bare = _ORCID_PREFIX.sub("", raw).strip().upper()
    if not _ORCID_SHAPE.match(bare):
        raise InvalidIdentifier(f"'{raw}' is not an ORCID iD (0000-0000-0000-000X)")
    digits = bare.replace("-", "")
    if not mod_11_2.is_valid(digits):
        raise InvalidIdentifier(f"'{raw}' is not an ORCID iD (its check digit is wrong)")
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
