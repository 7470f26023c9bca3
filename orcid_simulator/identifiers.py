"""ORCID's own external-identifier normalisation and "same external id" rule, written for the
simulator from ORCID-Source (it shares nothing with the portal's code on purpose: the simulator is
the oracle the portal is tested against).

- `normalise` follows orcid-core's `PIDNormalizationService.normalise`
  (org/orcid/core/utils/v3/identifiers/): the normalisers of a type run in order,
  `CaseSensitiveNormalizer` first (HIGHEST_PRECEDENCE: lower-cases the value unless the
  identifier type is flagged `case_sensitive` in ORCID's identifier_type table), then the
  type's own normaliser (`DOINormalizer`, `ISBNNormalizer`, `PMIDNormalizer`, ...). A value a
  normaliser cannot read becomes "" (ORCID then reports `external-id-normalized-error`). A type
  without a normaliser of its own (handle, ark, isbn-less types...) is only case-folded.
- `same_external_id` is orcid-model's `ExternalID.equals` as `ActivityValidator.
  checkExternalIdentifiersForDuplicates` calls it: the types must be equal as written; if the new
  id has a non-empty normalised value, the normalised values are compared, otherwise the values
  as written. Fundings are compared without normalisation (`normalizeExtId` is false for them).
"""

from __future__ import annotations

import functools
import re

# identifier_type rows with case_sensitive = true (orcid-persistence db/updates: uri_id_type_
# case_sensitive.xml, make-bibcode-case-sensitive.xml, identifier-type-41-ark.xml, update-ethos-to-be-
# case-sensitive.xml, update-ol-to-be-case-sensitive.xml, update-to-https.xml (RRID), identifier-type-46-
# empiar, -48-emdb, -50-k10plus, -51-cgn). Every other type is case-insensitive (the column's default).
CASE_SENSITIVE_TYPES = frozenset({"ark", "bibcode", "cgn", "emdb", "empiar", "ethos", "k10plus", "ol", "rrid", "uri"})

# ORCID's identifier types by API name (https://pub.orcid.org/v3.0/identifiers): only these are
# normalised at all (PIDNormalizationService returns the value of an unknown type unchanged).
IDENTIFIER_TYPES = frozenset(
    {
        "agr", "ark", "arxiv", "asin", "asin-tld", "authenticusid", "bibcode", "cba", "cgn", "cienciaiul", "cit",
        "cstr", "ctx", "dnb", "doi", "eid", "emdb", "empiar", "ethos", "grant_number", "hal", "handle", "hir",
        "isbn", "ismn", "issn", "jfm", "jstor", "k10plus", "kuid", "lccn", "lensid", "mr", "oclc", "ol", "osti",
        "other-id", "pat", "pdb", "pmc", "pmid", "ppr", "proposal-id", "raid", "rfc", "rrid", "source-work-id",
        "ssrn", "uri", "urn", "wosuid", "zbl",
    }
)

# The patterns of orcid-core's normalisers, in Python syntax (Java's \w, \s and \S are ASCII-only,
# hence re.ASCII).
_ARXIV = re.compile(r"(?:(?i:arXiv:))?(\d{4}\.\d{4,5}(v\d)?|[\w\-.]+/\d{7}(v\d)?)\b", re.ASCII)
_BIBCODE = re.compile(r"(?:^|[Bb][Ii][Bb][Bc][Oo][Dd][Ee]:?\s*|[^a-zA-Z0-9.])([0-9]{4}[.a-zA-Z0-9]{15})"
                      r"(?:$|[^a-zA-Z0-9.])", re.ASCII)
_RRID = re.compile(r"(?:(?i:RRID:))?(AB_\d{6}|CVCL_[0-9A-Z]{4}|SCR_\d{6}|IMSR_JAX:\d{6}|Addgene_\d{5}|SAMN\d{8}"
                   r"|MMRRC_\d{6}-UCD)", re.ASCII)
_DOI = re.compile(r"(10(\.[0-9a-zA-Z]+)+/(?:(?![\"&'])\S)+)", re.ASCII)
_ISBN = re.compile(r"([0-9][-0-9 ]{8,15}[0-9xX])(?:$|[^0-9])")
_ISSN = re.compile(r"(?:^|[^\d])(\d{4} ?[-–]? ?\d{3}[\dXx])(?:$|[^-\d])", re.ASCII)
_PMC = re.compile(r"(?:^|[Pp][Mm][Cc]-?/?)\s*(\d{5,9}(?!.+PMC))(?:$|\b)", re.ASCII)
_PMID = re.compile(r"(?:^\s*|PMID:?\s*|pubmed/|med/|pubmed.ncbi.nlm.nih.gov/)(\d+)(?:$|[^a-zA-Z0-9.\-])",
                   re.IGNORECASE | re.ASCII)
_URI_SCHEME = re.compile(r"^(?:(ht|f)tp(s?)://)?")
_XML_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#\d+|#[xX][0-9a-fA-F]+);")
_XML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape_xml(value: str) -> str:
    """commons-lang StringEscapeUtils.unescapeXml: the five XML entities and numeric references."""
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name in _XML_NAMED:
            return _XML_NAMED[name]
        try:
            return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))
        except (ValueError, OverflowError):
            return match.group(0)
    return _XML_ENTITY.sub(one, value)


def _first_group(pattern: re.Pattern, value: str, prefix: str = "") -> str:
    match = pattern.search(value)
    return prefix + match.group(1) if match and match.group(1) is not None else ""


def _doi(value: str) -> str:
    # DOINormalizer: "could be html escaped, and more than once!"
    if "&" in value and ";" in value:
        while True:
            unescaped = _unescape_xml(value)
            if len(unescaped) >= len(value):
                break
            value = unescaped
    return _first_group(_DOI, value)


def _isbn(value: str) -> str:
    found = _first_group(_ISBN, value).replace("-", "").replace(" ", "").replace("x", "X")
    return found if len(found) in (10, 13) else ""


def _issn(value: str) -> str:
    found = _first_group(_ISSN, value)
    if not found:
        return ""
    digits = found.replace(" ", "").replace("-", "").replace("–", "").replace("x", "X")
    return f"{digits[:4]}-{digits[4:8]}"


def _uri(value: str) -> str:
    # URINormalizer: a value without http(s):// or ftp(s):// gets "http://" in front.
    match = _URI_SCHEME.search(value)
    return value if match and match.group(1) is not None else "http://" + value


_NORMALISERS = {
    "arxiv": lambda v: _first_group(_ARXIV, v, "arXiv:"),
    "bibcode": lambda v: _first_group(_BIBCODE, v),
    "rrid": lambda v: _first_group(_RRID, v, "RRID:"),
    "doi": _doi,
    "isbn": _isbn,
    "issn": _issn,
    "pmc": lambda v: _first_group(_PMC, v),
    "pmid": lambda v: _first_group(_PMID, v),
    "uri": _uri,
}


@functools.lru_cache(maxsize=65536)
def normalise(id_type: str | None, value: str | None) -> str | None:
    """PIDNormalizationService.normalise(apiTypeName, value): ORCID's normalised value, "" when
    ORCID cannot normalise it, the value itself for a type ORCID does not know. (A pure function
    of its two strings, so remembered: a work's ids are normalised when it is written, for the
    duplicate check, and again on every read, for `external-id-normalized` and the groups.)"""
    if id_type is None or value is None or id_type not in IDENTIFIER_TYPES:
        return value
    if id_type not in CASE_SENSITIVE_TYPES:
        value = value.lower()
    normaliser = _NORMALISERS.get(id_type)
    return normaliser(value) if normaliser else value


def same_external_id(new: tuple[str, str], existing: tuple[str, str], *, normalised: bool = True) -> bool:
    """ExternalID.equals(new, existing) for (type, value) pairs, after ActivityValidator has set
    the normalised values (`normalised=False`: fundings, which ORCID compares as written)."""
    new_type, new_value = new
    old_type, old_value = existing
    if new_type != old_type:
        return False
    if normalised:
        new_norm = normalise(new_type, new_value)
        if new_norm:
            return new_norm == normalise(old_type, old_value)
    return new_value == old_value


def group_key(id_type: str, value: str) -> tuple[str, str]:
    """ExternalID.getGroupId: the normalised value when there is one, else the value, with the type."""
    return id_type, normalise(id_type, value) or value
