"""Standing preferences (issue 14): "add future works from the library automatically", per unit
or work type. Off by default; the researcher makes and removes them on the dashboard. Applied
when an import creates new works (the WORKS import kind's `on_created`): a matching new work is
approved as if the researcher had chosen it, recorded as a choice made via the preference."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import consent_record

from .models import Work, WorkPreference, WorkType

APPROVED_BY = "standing preference"


def preference_add(*, researcher, unit=None, work_type: str = "") -> WorkPreference:
    """Make (or return the existing) preference. Works already listed are not touched: it is
    about future ones. Raises ValueError for an unknown work type."""
    if work_type and work_type not in WorkType.values:
        raise ValueError(f"Unknown work type {work_type!r}")
    preference, _ = WorkPreference.objects.get_or_create(researcher=researcher, unit=unit, work_type=work_type)
    return preference


def preference_remove(*, researcher, preference_id: int) -> bool:
    """Remove one of the researcher's preferences (nobody else's). Returns whether one went."""
    deleted, _ = WorkPreference.objects.filter(researcher=researcher, pk=preference_id).delete()
    return bool(deleted)


def preferences_of(*, researcher) -> list[WorkPreference]:
    return list(WorkPreference.objects.filter(researcher=researcher).select_related("unit").order_by("created_at"))


def _matches(preference: WorkPreference, work: Work) -> bool:
    return (preference.unit_id in (None, work.unit_id)) and (preference.work_type in ("", work.work_type))


def preferences_apply(*, works: Iterable[Work]) -> int:
    """Approve the new `works` (saved, with pks) that one of their researcher's preferences
    covers and that nobody chose about yet. Two queries plus one per 1,000 approvals. Returns
    how many were approved."""
    works = [w for w in works if w.pk is not None and w.approved is None]
    if not works:
        return 0
    by_researcher: dict[int, list[WorkPreference]] = defaultdict(list)
    for preference in WorkPreference.objects.filter(researcher_id__in={w.researcher_id for w in works}):
        by_researcher[preference.researcher_id].append(preference)
    chosen = [w for w in works if any(_matches(p, w) for p in by_researcher.get(w.researcher_id, ()))]
    if not chosen:
        return 0
    now = timezone.now()
    Work.objects.filter(pk__in=[w.pk for w in chosen], approved__isnull=True).update(
        approved=True, approved_at=now, approved_by=APPROVED_BY, updated_at=now
    )
    for work in chosen:
        work.approved, work.approved_at, work.approved_by = True, now, APPROVED_BY
    consent_record(items=chosen, kind="work", approved=True, by=APPROVED_BY, via=ConsentEvent.Via.PREFERENCE)
    return len(chosen)
