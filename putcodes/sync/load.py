"""Reading the planner's inputs from the database: the ledger rows, the local objects of every
kind (putcodes.kinds), their eligibility and hashes, the connection. Two queries per kind per
batch of researchers, whatever their number of items."""

from __future__ import annotations

from typing import Any, Sequence

from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from ..kinds import KINDS
from ..models import OrcidItem
from .fingerprint import kind_version, source_fingerprint, written_fingerprint
from .ledger import execute_many
from .plan import LedgerRow, ObjectFacts, Plan, RecordContext, RecordState, connection_mode, plan_build

# Connection statuses that say the record itself is unusable (issue 12's record states).
_RECORD_STATES = {RecordState.LOCKED, RecordState.DEACTIVATED, RecordState.DEPRECATED}
State = OrcidItem.State


def record_context(connection, orcid: str | None = None) -> RecordContext:
    """The planner's view of a researcher's connection (None: no connection)."""
    if connection is None:
        return RecordContext(orcid=orcid or "", mode=connection_mode(status=None))
    status = connection.status
    mode = connection_mode(
        status=status,
        revoked_by_researcher=connection.revoked_by == "researcher",
        has_token=bool(connection.access_token_encrypted),
    )
    record_state = status if status in _RECORD_STATES else RecordState.ACTIVE
    return RecordContext(
        orcid=orcid or connection.orcid, mode=mode, connected_at=connection.connected_at, record_state=record_state,
    )


_CHUNK = 1000  # ids per `pk__in` (SQLite's limit on a statement's variables)
_ITEM_VALUES = ("pk", "researcher_id", "orcid", "state", "in_flight", "content_hash", "written_fingerprint")


def _by_pk(queryset, ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield from queryset.filter(pk__in=ids[start:start + _CHUNK])


def _fast_unchanged(kind, items, objects, orcids: dict[int, str], fast: dict[int, int]) -> tuple[list, list]:
    """Items the ledger shows written from the object's data as it is now (the written
    fingerprint matches: putcodes.sync.fingerprint), counted unchanged in `fast` per researcher
    from a read of plain values, without building or serialising anything. Returns the ids
    of the other ledger rows and objects, for the full planner."""
    version = kind_version(kind)
    eligible = ExpressionWrapper(kind.eligible_q(), output_field=BooleanField())
    objs = {
        pk: (researcher_id, updated_at, ok)
        for pk, researcher_id, updated_at, ok in objects.order_by().annotate(_ok=eligible).values_list(
            "pk", "researcher_id", "updated_at", "_ok"
        )
    }
    slow_items = []
    for pk, researcher_id, orcid, state, in_flight, content_hash, fingerprint, obj_id in items.values_list(
        *_ITEM_VALUES, f"{kind.fk}_id"
    ):
        obj = objs.get(obj_id)
        if (
            obj is not None and obj[0] == researcher_id and obj[2] and fingerprint and state == State.ON_ORCID
            and not in_flight and orcid == orcids.get(researcher_id)
            and fingerprint == written_fingerprint(source_fingerprint(version, obj[1]), content_hash)
        ):
            fast[researcher_id] = fast.get(researcher_id, 0) + 1
            del objs[obj_id]
        else:
            slow_items.append(pk)
    return slow_items, sorted(objs)


def _plan_data(researcher_ids: list[int], units, orcids: dict[int, str] | None = None):
    """Each researcher's ledger rows and local objects, per kind, in two queries per kind (and
    how many items of each researcher are known unchanged from their fingerprints alone: those
    are not in the rows and objects). `orcids`: the record each researcher is connected to."""
    from units.models import Unit

    # Units are few: read once and attached to every row (select_related would build one Unit
    # per row, a third of a no-change run's time).
    unit_by_id = Unit.objects.in_bulk()
    data: dict[int, dict[str, tuple[list, list]]] = {}
    fast: dict[int, int] = {}
    for kind in KINDS.values():
        # Rows on another iD (the researcher connected a different record since) are read
        # too: their items are written afresh to the current record, reusing the row.
        items = OrcidItem.objects.filter(researcher_id__in=researcher_ids, kind=kind.kind)
        if units is not None:
            items = items.filter(unit__in=units)
        objects = kind.objects(researcher_ids, units)
        if orcids and kind.fingerprint_version is not None and kind.eligible_q is not None:
            item_ids, obj_ids = _fast_unchanged(kind, items, objects, orcids, fast)
            items, objects = _by_pk(items, item_ids), _by_pk(objects, obj_ids)
        for item in items:
            item._state.fields_cache["unit"] = unit_by_id[item.unit_id]
            data.setdefault(item.researcher_id, {}).setdefault(kind.kind, ([], []))[0].append(item)
        for obj in objects:
            obj._state.fields_cache["unit"] = unit_by_id[obj.unit_id]
            data.setdefault(obj.researcher_id, {}).setdefault(kind.kind, ([], []))[1].append(obj)
    return data, fast


def _facts(kind, obj, version, *, new: bool = False) -> ObjectFacts:
    eligible = kind.eligible(obj)
    if not eligible:
        return ObjectFacts(False)
    # The hash (the body serialised) is the costly part: only an eligible item is written.
    fingerprint = source_fingerprint(version, getattr(obj, "updated_at", None))
    if new:
        # No ledger row: created whatever its hash, so the executor serialises and hashes it
        # (`Entry.content_hash` ""), in the worker thread that writes it, not in the planner's
        # thread that feeds every worker (a first push's planning was a third of its CPU).
        return ObjectFacts(True, "", kind.approved_at(obj), fingerprint)
    if kind.body_hash is not None:  # serialised once: the body is kept for the write
        body, content_hash = kind.body_hash(obj)
        return ObjectFacts(True, content_hash, kind.approved_at(obj), fingerprint, body)
    return ObjectFacts(True, kind.content_hash(obj), kind.approved_at(obj), fingerprint)


def _candidates(data: dict[str, tuple[list, list]], refresh: list):
    """The planner's candidates; `refresh` receives (ledger row id, written fingerprint) of
    the rows found unchanged whose fingerprint is missing or stale (set before a fingerprint
    existed, or the hash was changed without one)."""
    for kind in KINDS.values():
        items, objects = data.get(kind.kind, ([], []))
        version = kind_version(kind)
        by_obj: dict[int, OrcidItem] = {}
        orphans: list[OrcidItem] = []
        for item in items:
            obj_id = getattr(item, f"{kind.fk}_id")
            if obj_id is None:
                orphans.append(item)
            else:
                by_obj[obj_id] = item
        for obj in objects:
            item = by_obj.pop(obj.pk, None)
            row = LedgerRow.of(item) if item is not None else None
            facts = _facts(kind, obj, version, new=item is None)
            if facts.fingerprint and row is not None and row.state == State.ON_ORCID and not row.in_flight:
                if row.content_hash == facts.content_hash:
                    fingerprint = written_fingerprint(facts.fingerprint, facts.content_hash)
                    if fingerprint != item.written_fingerprint:
                        refresh.append((item.pk, fingerprint))
            # A plain tuple in `Candidate`'s order: built for every item of every run.
            yield kind, obj, item, row, facts, bool(obj.unit.paused)
        # Items whose local object is gone (deleted outright) or moved to another researcher.
        for item in orphans + list(by_obj.values()):
            yield kind, None, item, LedgerRow.of(item), None, bool(item.unit.paused)


def _fingerprints_refresh(refresh: list) -> None:
    """Keep the fingerprints of rows found unchanged (one `execute_many`): the next run knows
    them unchanged without serialising them. Each is bound to the hash it was taken with, so
    one stale by the time it is saved vouches for nothing."""
    from django.db import connection as conn

    if not refresh:
        return
    meta = OrcidItem._meta
    quote = conn.ops.quote_name
    sql = "UPDATE {} SET {} = %s WHERE {} = %s".format(
        quote(meta.db_table), quote(meta.get_field("written_fingerprint").column), quote(meta.pk.column)
    )
    with conn.cursor() as cursor:
        execute_many(cursor, sql, [(fingerprint, pk) for pk, fingerprint in refresh])
    refresh.clear()


def _plan(data, fast: dict[int, int], researcher_id: int, ctx: RecordContext) -> Plan:
    refresh: list = []
    plan = plan_build(_candidates(data.get(researcher_id, {}), refresh), ctx)
    plan.unchanged += fast.get(researcher_id, 0)
    _fingerprints_refresh(refresh)
    return plan


def researcher_plan(*, researcher, orcid: str, units: Sequence[Any] | None = None, connection=None) -> Plan:
    """Compare what should be on `orcid` for `researcher` (each kind's eligibility) with the
    ledger: what to create, update, delete, reconcile. Reads only the database."""
    data, fast = _plan_data([researcher.pk], units, {researcher.pk: orcid})
    return _plan(data, fast, researcher.pk, record_context(connection, orcid))


def researchers_plans(researcher_ids: Sequence[int], *, units=None, batch: int = 250):
    """(researcher_id, connection or None, plan or None, planned_at) for each researcher, planned in
    batches (a handful of queries per batch, not per researcher): what lets a run over
    50,000 unchanged works finish in seconds."""
    from connections.models import OrcidConnection

    ids = list(researcher_ids)
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        planned_at = timezone.now()  # before reading: a later change has a later updated_at
        connections = {
            c.user_id: c for c in OrcidConnection.objects.filter(user_id__in=chunk).select_related("user")
        }
        data, fast = _plan_data(chunk, units, {rid: c.orcid for rid, c in connections.items()})
        for researcher_id in chunk:
            connection = connections.get(researcher_id)
            if connection is None:
                yield researcher_id, None, None, planned_at
            else:
                yield researcher_id, connection, _plan(data, fast, researcher_id, record_context(connection)), planned_at
