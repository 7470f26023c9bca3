"""Whether an employment may be written to ORCID: the one rule the sync, the dashboard and
the admin ask (CONTRACT §3: "Employment items need no approval unless the unit asks for it").

ORCID lets an institution write affiliations it can vouch for without asking each time,
when researchers were told ahead and granted the scope; a unit that wants each one
approved sets `Unit.requires_approval`.
https://info.orcid.org/documentation/integration-guide/getting-started-with-your-orcid-integration/#easy-faq-2742

`employments_eligible_q()` is the same rule as a filter on `Employment`;
tests/employments/test_eligibility_twin.py proves that the two agree (hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Employment

REASON_REMOVED = "HR no longer lists this employment."
REASON_AWAITING_APPROVAL = "Waiting for your approval."
REASON_DECLINED = "You chose not to have it on your ORCID record."


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.eligible


def employment_eligibility(employment: Employment) -> Eligibility:
    """Eligible unless the unit removed it, the researcher declined it, or the unit asks for
    approval and the researcher has not given it. Reads `employment.unit` (select it along).

    A paused unit is not a reason here: pausing stops the sync from writing anything, it must
    not make the sync delete what is on ORCID.
    """
    reasons: list[str] = []
    if employment.removed_at is not None:
        reasons.append(REASON_REMOVED)
    if employment.approved is False:
        # Even without approval the researcher may say no: their record, their choice.
        reasons.append(REASON_DECLINED)
    elif employment.approved is None and employment.unit.requires_approval:
        reasons.append(REASON_AWAITING_APPROVAL)
    return Eligibility(eligible=not reasons, reasons=reasons)


def employments_eligible_q() -> Q:
    """The employments `employment_eligibility` calls eligible, as a filter on Employment."""
    return Q(removed_at__isnull=True) & (
        Q(approved=True) | Q(approved__isnull=True, unit__requires_approval=False)
    )
