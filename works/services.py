"""Writes for works: the researcher's approvals."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import actor_label, consent_record

from .models import Work

# The import of works is the importer framework's (units/importing), with the works kind in
# works/importers.py.


# --------------------------------------------------------------------------------------------
# Approvals
# --------------------------------------------------------------------------------------------
def _actor_label(by) -> str:
    """Who made a choice, as stored in `approved_by`: a username, or the API key that acted."""
    return actor_label(by)


def _via(by) -> str:
    """How the choice was made: through the campus API (a unit key acting for the researcher)
    or on the researcher's own page."""
    if getattr(by, "api_key", None) is not None or (hasattr(by, "prefix") and hasattr(by, "unit_id")):
        return ConsentEvent.Via.API
    return ConsentEvent.Via.PAGE


def work_set_approval(*, work: Work, approved: bool, by) -> Work:
    """Record the researcher's choice for `work`: `approved` True writes it to ORCID (when
    eligible), False keeps it off (and the sync removes it if it is there).

    Approving always sets `approved_at` to now, even for a work already approved: a work the
    researcher deleted on ORCID is written again only if approved after that deletion.
    `by` is the user or API key (or a label) that made the choice. Returns the work."""
    if not isinstance(approved, bool):
        raise TypeError("approved must be True or False")
    work.approved = approved
    work.approved_by = _actor_label(by)
    update_fields = ["approved", "approved_by", "updated_at"]
    if approved:
        work.approved_at = timezone.now()
        update_fields.append("approved_at")
    work.save(update_fields=update_fields)
    consent_record(items=[work], kind="work", approved=approved, by=by, via=_via(by))
    return work


def works_set_approval(*, researcher, work_ids: Iterable[int], approved: bool, by) -> int:
    """The same choice for many of `researcher`'s works at once (one UPDATE, whatever the count).

    Ids of works that are not the researcher's are ignored. Returns how many works changed."""
    if not isinstance(approved, bool):
        raise TypeError("approved must be True or False")
    now = timezone.now()
    values = {"approved": approved, "approved_by": _actor_label(by), "updated_at": now}
    if approved:
        values["approved_at"] = now
    chosen = Work.objects.filter(researcher=researcher, id__in=list(work_ids))
    works = list(chosen.only("id", "researcher_id", "unit_id", "local_id"))
    changed = chosen.update(**values)
    consent_record(items=works, kind="work", approved=approved, by=by, via=_via(by))
    return changed
