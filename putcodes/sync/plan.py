"""The planner: what to do with each item of one researcher's record. Pure: no database, no HTTP.

`item_action` decides for one item from plain data (`LedgerRow`: what the ledger knows of it;
`ObjectFacts`: the local object's eligibility and hash; `RecordContext`: the researcher's
connection and record), and `plan_build` groups a researcher's decisions into a `Plan` for the
executor (putcodes.sync.execute). The loaders that read the database into these inputs are in
putcodes.sync.load. tests/putcodes/test_plan.py is the table of every decision.

The actions:
- CREATE: POST it (works in bulk); UPDATE: PUT our current body over its put-code;
- DELETE: it is on ORCID and may no longer be (un-approved, made private, removed);
- RECONCILE: a POST's answer was lost (or a DELETE's, for an item wanted again); read the
  record first to learn whether it happened;
- UNCHANGED: ORCID has what we would write (or the researcher's deletion stands);
- SKIP, with a reason: something is owed but not now (unit paused, no usable connection,
  ORCID refused this very body, the record is locked/deactivated/deprecated);
- NOTHING: nothing is owed and nothing is counted (an item never written and not eligible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from ..models import OrcidItem

State = OrcidItem.State

# Items that are on the ORCID record (their put-code is live) as far as the ledger knows.
LIVE_STATES = (State.ON_ORCID, State.ERROR)
IN_FLIGHT_DELETE = OrcidItem.InFlight.DELETE
# ORCID's "insufficient scope": a new connection grants the scopes anew, so it lifts the refusal.
INSUFFICIENT_SCOPE = 9038


class Verb:
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RECONCILE = "reconcile"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    NOTHING = "nothing"

    WRITES = (CREATE, UPDATE, DELETE, RECONCILE)


class Mode:
    """What may be written to a researcher's record, from the connection."""

    FULL = "full"  # an active connection
    DELETE_ONLY = "delete_only"  # the researcher revoked on ORCID: deletions still go
    NONE = "none"  # no usable token


class RecordState:
    """The ORCID record itself (issue 12 feeds it from the connection): only an active record
    takes writes; for the others the sync skips the researcher's items with at most one probe
    read per run (putcodes.sync.execute)."""

    ACTIVE = "active"
    LOCKED = "locked"
    DEACTIVATED = "deactivated"
    DEPRECATED = "deprecated"

    ALL = (ACTIVE, LOCKED, DEACTIVATED, DEPRECATED)


# The reasons of SKIP, as people read them.
REASON_PAUSED = "unit paused"
REASON_REFUSED = "ORCID refused this content; waiting for a change or a retry"
REASON_NO_CONNECTION = "no usable ORCID connection"
REASON_DELETE_ONLY = "access revoked by the researcher: only deletions are sent"


def reason_record(record_state: str) -> str:
    return f"record {record_state}"


@dataclass(frozen=True, slots=True)
class Action:
    verb: str
    reason: str = ""


_PLAIN = {}


def _act(verb: str) -> Action:
    """The action `verb` without a reason (shared: they are many and all alike)."""
    action = _PLAIN.get(verb)
    if action is None:
        action = _PLAIN[verb] = Action(verb)
    return action


# The inputs are plain slotted dataclasses, not frozen ones: a frozen one costs several times
# more to build, and the planner builds two per item of every run (treat them as values).
@dataclass(slots=True)
class LedgerRow:
    """What the decision reads of an `OrcidItem`."""

    state: str
    orcid: str = ""
    put_code: int | None = None
    content_hash: str = ""
    attempted_hash: str = ""
    last_error_code: int | None = None
    last_error_at: datetime | None = None
    deleted_on_orcid_at: datetime | None = None
    in_flight: str = ""  # "delete": a DELETE of ours whose outcome is unknown

    @classmethod
    def of(cls, item) -> "LedgerRow":
        return cls(
            item.state, item.orcid, item.put_code, item.content_hash, item.attempted_hash,
            item.last_error_code, item.last_error_at, item.deleted_on_orcid_at, item.in_flight,
        )

    @property
    def live(self) -> bool:
        return self.put_code is not None and self.state in LIVE_STATES


@dataclass(slots=True)
class ObjectFacts:
    """What the decision reads of the local object (a work, an employment, ...)."""

    eligible: bool
    content_hash: str = ""  # of the body we would write (computed only when eligible)
    approved_at: datetime | None = None
    fingerprint: str = ""  # the object's source fingerprint (putcodes.sync.fingerprint)
    body: Any = None  # the body hashed, when the loader serialised it (reused to write it)


@dataclass(frozen=True, slots=True)
class RecordContext:
    """The researcher's record: its iD, what the connection allows, the record's state."""

    orcid: str
    mode: str = Mode.FULL
    connected_at: datetime | None = None
    record_state: str = RecordState.ACTIVE


def connection_mode(*, status: str | None, revoked_by_researcher: bool = False, has_token: bool = True) -> str:
    """The write mode of a connection in `status` (None: no connection)."""
    if status == "active":
        return Mode.FULL
    if status == "revoked" and revoked_by_researcher and has_token:
        return Mode.DELETE_ONLY
    return Mode.NONE


def _error_blocks_retry(row: LedgerRow, content_hash: str, ctx: RecordContext) -> bool:
    """An item ORCID refused is sent again only when what we would send changed, or, for a
    missing scope, when the researcher connected again since (granting scopes anew)."""
    if row.attempted_hash and row.attempted_hash != content_hash:
        return False
    if row.last_error_code == INSUFFICIENT_SCOPE and row.last_error_at and ctx.connected_at:
        if ctx.connected_at > row.last_error_at:
            return False
    return bool(row.attempted_hash)


def _unresolved_action(row: LedgerRow, obj: ObjectFacts | None) -> Action | None:
    """A write of ours whose outcome is unknown, left by a lost answer or a dead process."""
    if row.state == State.OUTCOME_UNKNOWN:
        return _act(Verb.RECONCILE)  # whatever happens next, first learn whether the POST happened
    if row.in_flight == IN_FLIGHT_DELETE and row.live:
        # A DELETE of ours: still owed, it is sent again (a 404 completes it); wanted again, the
        # record tells first whether it happened.
        return _act(Verb.DELETE if obj is None or not obj.eligible else Verb.RECONCILE)
    return None


def _ledger_action(row: LedgerRow | None, obj: ObjectFacts | None, ctx: RecordContext) -> Action:
    """The decision from the ledger and the object alone (the unit, connection and record
    are applied by `item_action`)."""
    if row is not None and row.orcid != ctx.orcid:
        # On another record, out of reach without its token: only a new write here is ours.
        return _act(Verb.CREATE) if obj is not None and obj.eligible else _act(Verb.NOTHING)
    unresolved = _unresolved_action(row, obj) if row is not None else None
    if unresolved is not None:
        return unresolved
    if obj is None or not obj.eligible:
        return _act(Verb.DELETE) if row is not None and row.live else _act(Verb.NOTHING)
    if row is None or row.state in (State.PENDING, State.WITHDRAWN):
        return _act(Verb.CREATE)
    return _written_action(row, obj, ctx)


def _written_action(row: LedgerRow, obj: ObjectFacts, ctx: RecordContext) -> Action:
    """An eligible item that was written to this record before (on it, deleted, or refused)."""
    if row.state == State.ON_ORCID:
        return _act(Verb.UNCHANGED if row.content_hash == obj.content_hash else Verb.UPDATE)
    if row.state == State.DELETED_ON_ORCID:
        approved_at, deleted_at = obj.approved_at, row.deleted_on_orcid_at
        if approved_at and deleted_at and approved_at > deleted_at:
            return _act(Verb.CREATE)  # approved again after the researcher's deletion
        return _act(Verb.UNCHANGED)  # the researcher's deletion stands
    # ERROR
    if _error_blocks_retry(row, obj.content_hash, ctx):
        return Action(Verb.SKIP, REASON_REFUSED)
    return _act(Verb.UPDATE if row.live else Verb.CREATE)


def item_action(
    *, row: LedgerRow | None, obj: ObjectFacts | None, unit_paused: bool = False, ctx: RecordContext
) -> Action:
    """What to do with one item: `row` None when the ledger has none, `obj` None when the local
    object is gone (or belongs to another researcher now)."""
    action = _ledger_action(row, obj, ctx)
    if action.verb not in Verb.WRITES:
        return action
    if unit_paused:
        # An item on another record that a paused unit would write is not owed here yet.
        foreign = row is not None and row.orcid != ctx.orcid
        return Action(Verb.NOTHING) if foreign else Action(Verb.SKIP, REASON_PAUSED)
    if ctx.record_state != RecordState.ACTIVE:
        return Action(Verb.SKIP, reason_record(ctx.record_state))
    if ctx.mode == Mode.NONE:
        return Action(Verb.SKIP, REASON_NO_CONNECTION)
    if ctx.mode == Mode.DELETE_ONLY and action.verb != Verb.DELETE:
        return Action(Verb.SKIP, REASON_DELETE_ONLY)
    return action


# ---------------------------------------------------------------------------------------------
# A researcher's plan
# ---------------------------------------------------------------------------------------------

@dataclass
class Entry:
    """One item to write: its kind (putcodes.kinds.ItemKind), local object, ledger row (both
    opaque here) and the hash of the body to write."""

    kind: Any
    obj: Any | None
    item: Any | None
    content_hash: str = ""
    fingerprint: str = ""  # the object's source fingerprint, kept with a write (ledger)
    body: Any = None  # the body of `content_hash` (None: the executor serialises `obj`)


@dataclass
class Plan:
    creates: list[Entry] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)
    deletes: list[Entry] = field(default_factory=list)
    unknown: list[Entry] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def writes(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.deletes) + len(self.unknown)

    def add(self, action: Action, entry: Entry) -> None:
        verb = action.verb
        if verb == Verb.CREATE:
            self.creates.append(entry)
        elif verb == Verb.UPDATE:
            self.updates.append(entry)
        elif verb == Verb.DELETE:
            self.deletes.append(entry)
        elif verb == Verb.RECONCILE:
            self.unknown.append(entry)
        elif verb == Verb.UNCHANGED:
            self.unchanged += 1
        elif verb == Verb.SKIP:
            self.skipped += 1
            self.skip_reasons[action.reason] = self.skip_reasons.get(action.reason, 0) + 1


class Candidate(NamedTuple):
    """One item as the planner sees it, with the objects the executor will need (the loader
    yields plain tuples in this order)."""

    kind: Any
    obj: Any | None
    item: Any | None
    row: LedgerRow | None
    facts: ObjectFacts | None
    unit_paused: bool


def plan_build(candidates, ctx: RecordContext) -> Plan:
    """The plan of one researcher: every candidate's action, grouped for the executor."""
    plan = Plan()
    for kind, obj, item, row, facts, unit_paused in candidates:
        action = item_action(row=row, obj=facts, unit_paused=unit_paused, ctx=ctx)
        verb = action.verb
        if verb == Verb.NOTHING:
            continue
        if verb == Verb.UNCHANGED:
            plan.unchanged += 1  # most items of most runs: no Entry for them
            continue
        fingerprint, body = "", None
        if verb == Verb.RECONCILE:
            content_hash = row.attempted_hash
        elif facts is not None and facts.eligible:
            content_hash, fingerprint, body = facts.content_hash, facts.fingerprint, facts.body
        else:
            content_hash = ""
        plan.add(action, Entry(kind, obj, item, content_hash, fingerprint, body))
    return plan


def plan_has_calls(plan: Plan) -> bool:
    """Whether carrying out the plan calls ORCID at all."""
    return plan.writes > 0
