"""The planner's table (putcodes.sync.plan): what the sync does with an item, for every ledger
state, eligibility, approval, unit paused, connection state and record state. No database.

Read it as two tables:
- BASE: what the ledger row and the local object alone call for;
- `overlay`: how the unit being paused, the connection and the record turn a write into a skip.
Every combination of the two is checked against `item_action`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from putcodes.models import OrcidItem
from putcodes.sync.plan import (
    REASON_DELETE_ONLY,
    REASON_NO_CONNECTION,
    REASON_PAUSED,
    REASON_REFUSED,
    Action,
    Candidate,
    LedgerRow,
    ObjectFacts,
    RecordContext,
    RecordState,
    Verb,
    connection_mode,
    item_action,
    plan_build,
    reason_record,
)

S = OrcidItem.State
ORCID = "0000-0002-1825-0097"
HASH = "h-now"
T_APPROVED, T_DELETED, T_CONNECTED = (datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=d) for d in (0, 1, 2))

# The ledger rows (None: the ledger has no row for the item).
ROWS = {
    "no row": None,
    "pending": LedgerRow(S.PENDING, ORCID),
    "on_orcid, same content": LedgerRow(S.ON_ORCID, ORCID, put_code=1, content_hash=HASH),
    "on_orcid, content changed": LedgerRow(S.ON_ORCID, ORCID, put_code=1, content_hash="h-before"),
    "deleted_on_orcid": LedgerRow(S.DELETED_ON_ORCID, ORCID, put_code=1, deleted_on_orcid_at=T_DELETED),
    "withdrawn": LedgerRow(S.WITHDRAWN, ORCID, put_code=1),
    "error on ORCID, same body refused": LedgerRow(S.ERROR, ORCID, put_code=1, content_hash="h-before", attempted_hash=HASH),
    "error on ORCID, body changed since": LedgerRow(S.ERROR, ORCID, put_code=1, attempted_hash="h-refused"),
    "error never written, same body refused": LedgerRow(S.ERROR, ORCID, attempted_hash=HASH),
    "error of scope, reconnected since": LedgerRow(
        S.ERROR, ORCID, attempted_hash=HASH, last_error_code=9038, last_error_at=T_APPROVED
    ),
    "outcome_unknown": LedgerRow(S.OUTCOME_UNKNOWN, ORCID, attempted_hash=HASH),
    "on another record (new iD)": LedgerRow(S.ON_ORCID, "0000-0001-5109-3700", put_code=5, content_hash=HASH),
}

# The local object: eligible (approved before any deletion on ORCID), eligible and approved
# again after the researcher deleted it on ORCID, not eligible (not approved, rejected, not
# public, removed by the unit: the rule is the kind's), gone (deleted, or another researcher's now).
OBJECTS = {
    "eligible": ObjectFacts(True, HASH, T_APPROVED),
    "eligible, approved again after a deletion on ORCID": ObjectFacts(True, HASH, T_CONNECTED),
    "not eligible": ObjectFacts(False),
    "gone": None,
}

C, U, D, R, N, SAME = "create", "update", "delete", "reconcile", "nothing", "unchanged"
REFUSED = f"skip: {REASON_REFUSED}"
# BASE[row] = the action for each object of OBJECTS, in its order.
BASE = {
    "no row": (C, C, N, N),
    "pending": (C, C, N, N),
    "on_orcid, same content": (SAME, SAME, D, D),
    "on_orcid, content changed": (U, U, D, D),
    "deleted_on_orcid": (SAME, C, N, N),  # the researcher's deletion stands until a newer approval
    "withdrawn": (C, C, N, N),
    "error on ORCID, same body refused": (REFUSED, REFUSED, D, D),
    "error on ORCID, body changed since": (U, U, D, D),
    "error never written, same body refused": (REFUSED, REFUSED, N, N),
    "error of scope, reconnected since": (C, C, N, N),  # a new connection grants the scopes anew
    "outcome_unknown": (R, R, R, R),  # first learn whether the lost POST happened
    "on another record (new iD)": (C, C, N, N),  # out of reach: only a new write here is ours
}

# Connection states (OrcidConnection.Status, with who revoked) and record states.
CONNECTIONS = {
    "active": dict(status="active"),
    "revoked by the researcher on ORCID (token kept)": dict(status="revoked", revoked_by_researcher=True),
    "revoked by the portal": dict(status="revoked", revoked_by_researcher=False),
    "revoked, token wiped": dict(status="revoked", revoked_by_researcher=True, has_token=False),
    "expired": dict(status="expired"),
    "disconnected": dict(status="disconnected"),
    "no connection": dict(status=None),
}
RECORDS = [RecordState.ACTIVE, RecordState.LOCKED, RecordState.DEACTIVATED, RecordState.DEPRECATED]


def overlay(base: str, *, row_name: str, paused: bool, connection: str, record: str) -> str:
    """The second table: a write (create, update, delete, reconcile) is held back by a paused
    unit, an unusable record, or a connection that does not allow it. Nothing else changes."""
    if base not in (C, U, D, R):
        return base
    if paused:
        return N if row_name == "on another record (new iD)" else f"skip: {REASON_PAUSED}"
    if record != RecordState.ACTIVE:
        return f"skip: {reason_record(record)}"
    if connection == "active":
        return base
    if connection == "revoked by the researcher on ORCID (token kept)":
        return base if base == D else f"skip: {REASON_DELETE_ONLY}"  # ORCID lets the source delete
    return f"skip: {REASON_NO_CONNECTION}"


def _said(action: Action) -> str:
    return f"skip: {action.reason}" if action.verb == Verb.SKIP else action.verb


# The contexts an item meets: unit running or paused, each connection state, and with an active
# connection each record state (a record's state is known only while connected).
CONTEXTS = [
    (paused, connection, record)
    for paused in (False, True)
    for connection in CONNECTIONS
    for record in RECORDS
    if connection == "active" or record == RecordState.ACTIVE
]


# One test per ledger row and object (pytest's per-test cost would make the full product of
# ~1,000 cases take seconds); each compares the whole row of contexts, so a failure's diff
# names every combination that differs.
@pytest.mark.parametrize("object_name", OBJECTS)
@pytest.mark.parametrize("row_name", ROWS)
def test_the_planner_chooses_the_tables_action(row_name, object_name):
    base = BASE[row_name][list(OBJECTS).index(object_name)]
    expected, chosen = {}, {}
    for paused, connection, record in CONTEXTS:
        ctx = RecordContext(
            orcid=ORCID, mode=connection_mode(**CONNECTIONS[connection]), connected_at=T_CONNECTED,
            record_state=record,
        )
        key = f"{'paused' if paused else 'running'} | {connection} | record {record}"
        expected[key] = overlay(base, row_name=row_name, paused=paused, connection=connection, record=record)
        chosen[key] = _said(item_action(row=ROWS[row_name], obj=OBJECTS[object_name], unit_paused=paused, ctx=ctx))
    assert chosen == expected


def test_the_table_covers_every_ledger_state_and_record_state():
    assert {row.state for row in ROWS.values() if row is not None} == set(OrcidItem.State.values)
    assert set(RECORDS) == set(RecordState.ALL)
    assert {c["status"] for c in CONNECTIONS.values()} >= {"active", "revoked", "expired", "disconnected", None}


def test_a_plan_groups_the_actions_and_counts_the_skips_by_reason():
    ctx = RecordContext(orcid=ORCID)
    kind = object()
    candidates = [
        Candidate(kind, "new", None, None, OBJECTS["eligible"], False),
        Candidate(kind, "changed", "item", ROWS["on_orcid, content changed"], OBJECTS["eligible"], False),
        Candidate(kind, "same", "item", ROWS["on_orcid, same content"], OBJECTS["eligible"], False),
        Candidate(kind, None, "item", ROWS["on_orcid, same content"], None, False),
        Candidate(kind, "paused", None, None, OBJECTS["eligible"], True),
        Candidate(kind, "lost", "item", ROWS["outcome_unknown"], OBJECTS["eligible"], False),
        Candidate(kind, "never", None, None, OBJECTS["not eligible"], False),
    ]
    plan = plan_build(candidates, ctx)
    assert [e.obj for e in plan.creates] == ["new"] and plan.creates[0].content_hash == HASH
    assert [e.obj for e in plan.updates] == ["changed"]
    assert [e.obj for e in plan.deletes] == [None] and plan.deletes[0].content_hash == ""
    assert [e.obj for e in plan.unknown] == ["lost"] and plan.unknown[0].content_hash == HASH
    assert (plan.unchanged, plan.skipped, plan.skip_reasons) == (1, 1, {REASON_PAUSED: 1})
    assert plan.writes == 4
