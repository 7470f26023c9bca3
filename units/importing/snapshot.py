"""A file taken as the unit's full list: what it no longer lists is ended (kinds with an end
date: ORCID keeps the person's history) or removed (`removed_at`; the next sync deletes it from
ORCID), with a guard so that a truncated export cannot end or withdraw a whole unit."""

from __future__ import annotations

from django.utils import timezone

from .kinds import REMOVE, ImportKind
from .report import ImportReport

# Ending or removing more than this share of a unit's current items in one import is refused
# unless asked for (--allow-mass-removal): a truncated export must not withdraw a university.
MASS_REMOVAL_SHARE = 0.5
MASS_REMOVAL_MIN = 10
CHUNK = 500


def snapshot_apply(*, kind: ImportKind, unit, listed, report: ImportReport, delete: bool,
                   allow_mass_removal: bool) -> None:
    """End (or, with `delete`, remove) the unit's current items whose local_id is not in
    `listed`. Current means not removed and, when ending, not ended by today. Nothing is
    changed when the file listed nothing, or when it would change more than half of the
    current items (and more than ten) without `allow_mass_removal`: `report.prune_refused`
    then says why."""
    current, to_remove, to_end = _snapshot_plan(kind=kind, unit=unit, listed=listed, delete=delete)
    gone = len(to_remove) + sum(len(items) for items in to_end.values())
    if not gone:
        return
    if not listed:
        report.prune_refused = (f"The file has no rows, so nothing was removed or ended (an empty export would "
                                f"end every one of the unit's {kind.label}).")
        return
    if not allow_mass_removal and gone > max(MASS_REMOVAL_MIN, MASS_REMOVAL_SHARE * current):
        report.prune_refused = (
            f"The file leaves out {gone} of the unit's {current} current {kind.label}, so nothing was removed or "
            "ended; if that is intended, import again with --allow-mass-removal."
        )
        return
    now = timezone.now()
    _update(kind, to_remove, removed_at=now, updated_at=now)
    report.removed, report.removed_local_ids = len(to_remove), sorted(local_id for _, local_id in to_remove)
    for values, items in to_end.items():
        _update(kind, items, **dict(values), updated_at=now)
        report.ended += len(items)
        report.ended_local_ids.extend(local_id for _, local_id in items)
    report.ended_local_ids.sort()


def _snapshot_plan(*, kind: ImportKind, unit, listed, delete: bool):
    """(how many items are current, [(pk, local_id)] to remove, {end values: [(pk, local_id)]} to end)."""
    today = timezone.localdate()
    ending = None if delete else kind.ending
    wanted = ("pk", "local_id", *(ending.fields if ending else ()))
    current, to_remove, to_end = 0, [], {}
    rows = kind.model.objects.filter(unit=unit, removed_at__isnull=True).values(*wanted).order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        decision = ending.end(row, today) if ending else REMOVE
        if decision is None:
            continue  # already ended: neither current nor left out
        current += 1
        if row["local_id"] in listed:
            continue
        if decision == REMOVE:
            to_remove.append((row["pk"], row["local_id"]))
        else:
            to_end.setdefault(tuple(sorted(decision.items())), []).append((row["pk"], row["local_id"]))
    return current, to_remove, to_end


def _update(kind: ImportKind, items: list[tuple[int, str]], **values) -> None:
    ids = [pk for pk, _ in items]
    for start in range(0, len(ids), CHUNK):
        kind.model.objects.filter(pk__in=ids[start:start + CHUNK]).update(**values)
