"""Writes for affiliations: the researcher's choice (the import lives in affiliations/importer.py)."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record

from .models import Affiliation


def affiliation_choose(*, affiliation: Affiliation, researcher, approved: bool) -> Affiliation:
    """The researcher says whether `affiliation` goes on their ORCID record.

    Only its own researcher may choose (PermissionError otherwise). Approving again after
    deleting the item on ORCID moves `approved_at` past the deletion, which lets the sync
    write it again. The choice is kept as a ConsentEvent.
    """
    if affiliation.researcher_id != researcher.pk:
        raise PermissionError("An affiliation can be approved only by its own researcher.")
    affiliation.approved = approved
    affiliation.approved_at = timezone.now()
    affiliation.save(update_fields=["approved", "approved_at", "updated_at"])
    consent_record(items=[affiliation], kind=affiliation.section, approved=approved, by=researcher,
                   via=ConsentEvent.Via.PAGE)
    return affiliation
