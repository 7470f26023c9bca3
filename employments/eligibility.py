"""Whether an employment may be written to ORCID: the one rule the sync, the dashboard and
the admin ask (CONTRACT §3: "Employment items need no approval unless the unit asks for it").
The rule is units.eligibility's, shared with affiliations and funding; this module names it
for employments and says why HR's removal is a reason.

`employments_eligible_q()` is the same rule as a filter on `Employment`;
tests/employments/test_eligibility_twin.py proves that the two agree (hypothesis).
"""

from __future__ import annotations

from django.db.models import Q

from units.eligibility import (  # noqa: F401  (re-exported: callers read them from here)
    REASON_AWAITING_APPROVAL,
    REASON_DECLINED,
    Eligibility,
    unit_item_eligibility,
    unit_items_eligible_q,
)

from .models import Employment

REASON_REMOVED = "HR no longer lists this employment."


def employment_eligibility(employment: Employment) -> Eligibility:
    """Eligible unless HR removed it, the researcher declined it, or the unit asks for
    approval and the researcher has not given it. Reads `employment.unit` (select it along)."""
    return unit_item_eligibility(employment, removed_reason=REASON_REMOVED)


def employments_eligible_q() -> Q:
    """The employments `employment_eligibility` calls eligible, as a filter on Employment."""
    return unit_items_eligible_q()
