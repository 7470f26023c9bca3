"""The sync's front: the names other apps import (docs/ARCHITECTURE.md). The code is in the
putcodes.sync package (see its docstring for which module does what)."""

from __future__ import annotations

from typing import Any, Iterable

from .models import OrcidItem
from .sync import ledger
from .sync.counts import SyncCounts
from .sync.load import researcher_plan, researchers_plans
from .sync.plan import LIVE_STATES, Entry, Mode, Plan
from .sync.researcher import researcher_sync, researcher_withdraw_items
from .sync.runs import (
    researchers_sync_now,
    sync_run_dispatch,
    sync_run_execute,
    sync_run_finish,
    sync_run_researcher_done,
    sync_run_start,
)
from .sync.totals import MAX_ERRORS_PER_RUN, run_add

# The thread pool's size when ORCID_SYNC_WORKERS says nothing (the orcid_sync command's help).
DEFAULT_WORKERS = 12

__all__ = [
    "DEFAULT_WORKERS", "LIVE_STATES", "MAX_ERRORS_PER_RUN", "Entry", "Mode", "Plan", "SyncCounts",
    "items_retry_failed", "researcher_plan", "researcher_reconcile", "researcher_sync", "researcher_withdraw_items",
    "researchers_plans", "researchers_sync_now", "run_add", "sync_run_dispatch", "sync_run_execute",
    "sync_run_finish", "sync_run_researcher_done", "sync_run_start",
]


def items_retry_failed(*, items: Iterable[OrcidItem]) -> int:
    """Let the next sync send again items ORCID refused (an operator fixed the cause). Returns
    how many were reset."""
    return ledger.items_mark_retry(OrcidItem.objects.filter(pk__in=[item.pk for item in items]))


def researcher_reconcile(*, researcher) -> Any:
    """Read the record and bring the ledger in line (putcodes.reconcile, the webhook's work)."""
    from . import reconcile

    return reconcile.researcher_reconcile(researcher=researcher)
