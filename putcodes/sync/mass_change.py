"""A mass change, said before it starts and spread if the admin wants (issue 17, item 3).

ORCID has no bulk update: every changed item is one PUT, so a change of every item's content
(a unit's new export, a real change of what is written) costs items ÷ ORCID_REQUESTS_PER_SECOND
of ORCID's whole limit (a million works: 11.6 hours at 24/s).

- `plans_estimate(researcher_ids, units)`: what a run would do, counted from the plans (no
  call to ORCID): creates, updates, deletes, writes in flight to look up, unchanged, skipped,
  and the calls and time they take at ORCID_REQUESTS_PER_SECOND (works are created 100 to a
  bulk call). `orcid_sync` prints it before it starts; `orcid_sync --dry-run` prints it only.
- `plan_cap_updates(plan, run_id)`: ORCID_MAX_UPDATES_PER_RUN (default unset: no cap) updates
  at most per run, the most recently changed objects first; the rest are skipped this run
  (nothing is lost: their hash still differs) and wait for the next.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from django.conf import settings

from ..models import OrcidItem

HELD_BACK = "More updates than ORCID_MAX_UPDATES_PER_RUN: written by the next run"


@dataclass
class Estimate:
    researchers: int = 0
    creates: int = 0
    updates: int = 0
    deletes: int = 0
    lookups: int = 0  # writes in flight whose outcome is read from the record first
    unchanged: int = 0
    skipped: int = 0
    calls: int = 0

    @property
    def seconds(self) -> float:
        return self.calls / max(float(settings.ORCID_REQUESTS_PER_SECOND), 0.001)

    def as_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 1)}

    def line(self) -> str:
        hours, rest = divmod(int(round(self.seconds)), 3600)
        return (
            f"Plan: create={self.creates} update={self.updates} delete={self.deletes} lookup={self.lookups} "
            f"unchanged={self.unchanged} skipped={self.skipped} for {self.researchers} researcher(s); "
            f"about {self.calls} ORCID call(s), {hours} h {rest // 60:02d} min {rest % 60:02d} s "
            f"at {float(settings.ORCID_REQUESTS_PER_SECOND):g} calls/s"
        )


def _plan_calls(plan) -> int:
    bulk = sum(1 for e in plan.creates if e.kind.create_bulk is not None)
    bulk_calls = math.ceil(bulk / 100) if bulk else 0
    lookups = 1 if plan.unknown else 0  # the record read once (GET /activities)
    return bulk_calls + len(plan.creates) - bulk + len(plan.updates) + len(plan.deletes) + lookups


def plans_estimate(researcher_ids, *, units=None) -> Estimate:
    """What a run over `researcher_ids` would do and cost (database reads only)."""
    from .load import researchers_plans

    estimate = Estimate()
    for _, connection, plan, _ in researchers_plans(list(researcher_ids), units=units):
        if plan is None:
            continue
        estimate.researchers += 1
        estimate.creates += len(plan.creates)
        estimate.updates += len(plan.updates)
        estimate.deletes += len(plan.deletes)
        estimate.lookups += len(plan.unknown)
        estimate.unchanged += plan.unchanged
        estimate.skipped += plan.skipped
        if connection is not None:
            estimate.calls += _plan_calls(plan)
    cap = settings.ORCID_MAX_UPDATES_PER_RUN
    if cap and estimate.updates > cap:  # the rest waits for later runs
        estimate.calls -= estimate.updates - cap
    return estimate


_taken: dict[int, int] = {}
_taken_lock = threading.Lock()


def _newest_first(entry) -> datetime:
    moment = getattr(entry.obj, "updated_at", None)
    return moment or datetime.min.replace(tzinfo=timezone.utc)


def plan_cap_updates(plan, *, run_id: int | None) -> int:
    """Keep in `plan` only the updates ORCID_MAX_UPDATES_PER_RUN leaves to this run (newest
    first); the others count as skipped. Returns how many were held back. Across processes
    (Celery) the run's updates so far are counted from the ledger, so the cap holds give or take
    the updates of researchers being written at that moment."""
    cap = settings.ORCID_MAX_UPDATES_PER_RUN
    if not cap or not plan.updates:
        return 0
    with _taken_lock:
        done = _taken.get(run_id, 0)
        if run_id is not None:
            done = max(done, OrcidItem.objects.filter(last_run_id=run_id, last_action=OrcidItem.Action.UPDATED).count())
        left = max(0, int(cap) - done)
        keep = min(left, len(plan.updates))
        if run_id is not None:
            _taken[run_id] = done + keep
    if keep == len(plan.updates):
        return 0
    plan.updates.sort(key=_newest_first, reverse=True)
    held = len(plan.updates) - keep
    del plan.updates[keep:]
    plan.skipped += held
    plan.skip_reasons[HELD_BACK] = plan.skip_reasons.get(HELD_BACK, 0) + held
    return held
