"""Whether an affiliation may be written to ORCID: the one rule the sync, the dashboard and
the admin ask, and its queryset twin for counts and listings (keep the two in step:
tests/affiliations/test_eligibility.py checks that they agree).

As for employments (CONTRACT §3): an affiliation the institution vouches for needs no
approval unless the unit asks for it (`Unit.requires_approval`); the researcher may always
say no; an affiliation the unit no longer lists is not written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Affiliation

REASON_REMOVED = "The unit no longer lists this affiliation."
REASON_AWAITING_APPROVAL = "Waiting for your approval."
REASON_DECLINED = "You chose not to have it on your ORCID record."


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.eligible


def affiliation_eligibility(affiliation: Affiliation) -> Eligibility:
    """Eligible unless removed, declined, or awaiting an approval its unit asks for. Reads
    `affiliation.unit` (select it along). A paused unit is not a reason (pausing stops writes,
    it must not make the sync delete)."""
    reasons: list[str] = []
    if affiliation.removed_at is not None:
        reasons.append(REASON_REMOVED)
    if affiliation.approved is False:
        reasons.append(REASON_DECLINED)
    elif affiliation.approved is None and affiliation.unit.requires_approval:
        reasons.append(REASON_AWAITING_APPROVAL)
    return Eligibility(eligible=not reasons, reasons=reasons)


def affiliations_eligible_q() -> Q:
    """`affiliation_eligibility` as a filter on Affiliation querysets."""
    return Q(removed_at__isnull=True) & (
        Q(approved=True) | Q(approved__isnull=True, unit__requires_approval=False)
    )
