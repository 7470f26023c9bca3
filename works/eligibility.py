"""The one rule that says whether a work may be written to ORCID (CONTRACT §3).

A work may be written only when it is public, has at least one identifier that ORCID
accepts with the relationship `self`, and its researcher approved it. The sync, the API
and the curation page all ask `work_eligibility`; the page shows its reasons.

`works_eligible_q()` is the same rule as a filter on `Work` (and `works_data_ok_q()` its data
half), for counting and filtering in SQL; tests/works/test_eligibility_twin.py proves that the
two agree (hypothesis). Change one, change the other here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Work, external_ids_have_self
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
    # The model keeps the same answer in `has_self_id` for SQL (works_data_ok_q).
    return external_ids_have_self(work.external_ids)


# A title ORCID can take has a character that clean_text keeps (XML 1.0 text, no C1 control)
# and that is not whitespace: the SQL twin of `clean_text(work.title) != ""`.
TITLE_HAS_TEXT = (
    "[!-~\u00a1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff"
    "\u3001-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def works_data_ok_q() -> Q:
    """The works whose data allows writing them (no DATA_REASONS): the SQL twin of
    `not work_eligibility(work).blocked_by_data`."""
    return Q(removed_at__isnull=True, public=True, has_self_id=True, title__regex=TITLE_HAS_TEXT)


def works_eligible_q() -> Q:
    """The works `work_eligibility` calls eligible, as a filter on Work."""
    return works_data_ok_q() & Q(approved=True)


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
