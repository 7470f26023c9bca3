"""An item's status as pages and the API show it, asked of the planner (putcodes.sync.plan), so
that no page re-derives what the sync will do. Lower apps reach it through their ledger row
(`work.orcid_item.sync_status(...)`, `OrcidItem.sync_action`), without importing the sync."""

from __future__ import annotations

from datetime import datetime

from .models import OrcidItem
from .sync.plan import LedgerRow, ObjectFacts, RecordContext, Verb, item_action

State = OrcidItem.State


class SyncStatus:
    """The ledger's half of an item's `orcid_status` (CONTRACT §4); the kind's eligibility rule
    gives the other half (not eligible, awaiting approval, rejected)."""

    PENDING = "pending"
    ON_ORCID = "on_orcid"
    DELETED_ON_ORCID = "deleted_on_orcid"
    ERROR = "error"


def item_next_action(item: OrcidItem | None, *, eligible: bool, approved_at: datetime | None = None) -> str:
    """What the sync will do with the item (a `Verb`), the connection and the unit permitting."""
    row = LedgerRow.of(item) if item is not None else None
    facts = ObjectFacts(eligible, "", approved_at) if eligible else ObjectFacts(False)
    ctx = RecordContext(orcid=row.orcid if row is not None else "")
    return item_action(row=row, obj=facts, ctx=ctx).verb


def item_sync_status(item: OrcidItem | None, *, approved_at: datetime | None = None) -> str:
    """The status of an item its researcher approved (and whose data allows writing it)."""
    if item is None:
        return SyncStatus.PENDING
    if item.state == State.ON_ORCID:
        return SyncStatus.ON_ORCID
    if item.state == State.ERROR:
        return SyncStatus.ERROR
    if item.state == State.DELETED_ON_ORCID:
        # The researcher's deletion stands unless they approved it again since.
        if item_next_action(item, eligible=True, approved_at=approved_at) == Verb.UNCHANGED:
            return SyncStatus.DELETED_ON_ORCID
    return SyncStatus.PENDING
