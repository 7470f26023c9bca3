"""External identifiers as ORCID compares them.

ORCID matches works by the normalised value of their external ids (a DOI is the same
whatever its spelling). Everything that compares identifiers (the importers, the
serialiser, the sync's reconcile, the "already on ORCID" marks, the simulator's
duplicate check) calls `normalise_external_id`, so they all agree.
"""

from __future__ import annotations

import re

# The identifier types ORCID accepts with relationship `self` for a work, by CONTRACT's
# eligibility rule (ORCID's full list is at https://pub.orcid.org/v3.0/identifiers).
SELF_TYPES = frozenset(
    {"doi", "pmid", "pmc", "isbn", "arxiv", "handle", "uri", "eid", "wosuid", "bibcode", "ark", "urn", "other-id"}
)

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|urn:doi:)", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^(?:https?://arxiv\.org/abs/|arxiv:)", re.IGNORECASE)
_PMID_PREFIX = re.compile(r"^(?:https?://(?:www\.)?ncbi\.nlm\.nih\.gov/pubmed/|https?://pubmed\.ncbi\.nlm\.nih\.gov/|pmid:\s*)", re.IGNORECASE)


def normalise_external_id(id_type: str, value: str) -> str:
    """The normalised form of `value` for identifier type `id_type` (ORCID's type names)."""
    id_type = (id_type or "").strip().lower()
    value = (value or "").strip()
    if id_type == "doi":
        return _DOI_PREFIX.sub("", value).strip().lower()
    if id_type == "pmid":
        return _PMID_PREFIX.sub("", value).strip().strip("/")
    if id_type == "pmc":
        digits = re.sub(r"(?i)^.*?pmc", "", value).strip("/ ")
        return "PMC" + digits if digits else ""
    if id_type in {"isbn", "issn"}:
        return re.sub(r"[^0-9Xx]", "", value).upper()
    if id_type == "arxiv":
        return _ARXIV_PREFIX.sub("", value).strip().lower()
    return value.lower()
