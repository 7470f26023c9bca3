"""The eligibility rule every kind with a unit shares (employments, affiliations, funding;
CONTRACT §3: "Employment items need no approval unless the unit asks for it"): an item the
institution vouches for needs no approval unless its unit asks for it (`Unit.requires_approval`);
the researcher may always say no; an item the unit no longer lists is not written.

ORCID lets an institution write affiliations it can vouch for without asking each time,
when researchers were told ahead and granted the scope.
https://info.orcid.org/documentation/integration-guide/getting-started-with-your-orcid-integration/#easy-faq-2742

`unit_item_eligibility` reads any item with `removed_at`, `approved` and `unit` by attribute
(this module imports no kind's app); `unit_items_eligible_q` is the same rule as a filter.
Each kind's module names them (`employment_eligibility`, `employments_eligible_q`, ...) and
its tests prove that the two agree (hypothesis).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

REASON_AWAITING_APPROVAL = "Waiting for your approval."
REASON_DECLINED = "You chose not to have it on your ORCID record."


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.eligible


def unit_item_eligibility(item, *, removed_reason: str) -> Eligibility:
    """Eligible unless the unit removed it (`removed_reason`), the researcher declined it, or
    the unit asks for approval and the researcher has not given it. Reads `item.unit` (select
    it along).

    A paused unit is not a reason here: pausing stops the sync from writing anything, it must
    not make the sync delete what is on ORCID.
    """
    reasons: list[str] = []
    if item.removed_at is not None:
        reasons.append(removed_reason)
    if item.approved is False:
        # Even without approval the researcher may say no: their record, their choice.
        reasons.append(REASON_DECLINED)
    elif item.approved is None and item.unit.requires_approval:
        reasons.append(REASON_AWAITING_APPROVAL)
    return Eligibility(eligible=not reasons, reasons=reasons)


def unit_items_eligible_q() -> Q:
    """The items `unit_item_eligibility` calls eligible, as a filter on the kind's model."""
    return Q(removed_at__isnull=True) & (
        Q(approved=True) | Q(approved__isnull=True, unit__requires_approval=False)
    )
