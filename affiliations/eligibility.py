"""Whether an affiliation may be written to ORCID: the one rule the sync, the dashboard and
the admin ask, and its queryset twin for counts and listings (keep the two in step:
tests/affiliations/test_eligibility.py checks that they agree).

As for employments (CONTRACT §3), the rule is units.eligibility's: an affiliation the
institution vouches for needs no approval unless the unit asks for it; the researcher may
always say no; an affiliation the unit no longer lists is not written.
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

from .models import Affiliation

REASON_REMOVED = "The unit no longer lists this affiliation."


def affiliation_eligibility(affiliation: Affiliation) -> Eligibility:
    """Eligible unless removed, declined, or awaiting an approval its unit asks for. Reads
    `affiliation.unit` (select it along)."""
    return unit_item_eligibility(affiliation, removed_reason=REASON_REMOVED)


def affiliations_eligible_q() -> Q:
    """`affiliation_eligibility` as a filter on Affiliation querysets."""
    return unit_items_eligible_q()
