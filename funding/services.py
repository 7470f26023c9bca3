"""Writes for funding: the researcher's choice (the import lives in funding/importer.py)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record

from .models import Funding


def funding_choose(*, funding: Funding, researcher, approved: bool) -> Funding:
    """The researcher says whether `funding` goes on their ORCID record (as `affiliation_choose`)."""
    if funding.researcher_id != researcher.pk:
        raise PermissionError("A funding can be approved only by its own researcher.")
    funding.approved = approved
    funding.approved_at = timezone.now()
    funding.save(update_fields=["approved", "approved_at", "updated_at"])
    consent_record(items=[funding], kind="funding", approved=approved, by=researcher, via=ConsentEvent.Via.PAGE)
    return funding
