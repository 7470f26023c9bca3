"""The one rule that says whether a work may be written to ORCID (CONTRACT §3).

A work may be written only when it is public, has at least one identifier that ORCID
accepts with the relationship `self`, and its researcher approved it. The sync, the API
and the curation page all ask `work_eligibility`; the page shows its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orcid_client.identifiers import SELF_TYPES

from .models import Work
from .orcid_serialization import clean_text

# Machine-readable reasons, so callers can tell "waiting for the researcher" from
# "can never be written as it is" without parsing sentences.
NOT_PUBLIC = "not_public"
NO_SELF_IDENTIFIER = "no_self_identifier"
NO_TITLE = "no_title"
REMOVED_BY_UNIT = "removed_by_unit"
NOT_APPROVED_YET = "not_approved_yet"
REJECTED = "rejected"

# Reasons that the researcher's choice cannot lift: the unit's data must change.
DATA_REASONS = frozenset({NOT_PUBLIC, NO_SELF_IDENTIFIER, NO_TITLE, REMOVED_BY_UNIT})


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)  # sentences for people
    codes: list[str] = field(default_factory=list)  # the same reasons, as the constants above

    @property
    def blocked_by_data(self) -> bool:
        """Not writable whatever the researcher chooses."""
        return any(code in DATA_REASONS for code in self.codes)


def work_has_self_identifier(work: Work) -> bool:
    return any(
        i.get("relationship") == "self" and i.get("type") in SELF_TYPES and str(i.get("value") or "").strip()
        for i in (work.external_ids or [])
    )


def work_eligibility(work: Work) -> Eligibility:
    """Whether `work` may be written to ORCID now, and if not, every reason why.

    Reads only the work's own fields (no queries)."""
    reasons: list[tuple[str, str]] = []
    if work.removed_at is not None:
        reasons.append((REMOVED_BY_UNIT, f"{_unit_name(work)} no longer lists this work."))
    if not work.public:
        reasons.append((NOT_PUBLIC, f"{_unit_name(work)} has not marked it public."))
    if not work_has_self_identifier(work):
        reasons.append(
            (NO_SELF_IDENTIFIER, "It has no identifier of its own that ORCID accepts (such as a DOI, PubMed ID, "
             "arXiv ID or, for a book, an ISBN).")
        )
    if not clean_text(work.title):
        reasons.append((NO_TITLE, "It has no title."))
    if work.approved is None:
        reasons.append((NOT_APPROVED_YET, "You have not approved it yet."))
    elif work.approved is False:
        reasons.append((REJECTED, "You chose not to add it to ORCID."))
    return Eligibility(
        eligible=not reasons, reasons=[text for _, text in reasons], codes=[code for code, _ in reasons]
    )


def _unit_name(work: Work) -> str:
    # `unit` is loaded with select_related wherever many works are shown; avoid a query if not.
    unit = work._state.fields_cache.get("unit")
    return unit.name if unit is not None else "The unit"
