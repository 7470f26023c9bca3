"""Reading the planner's inputs from the database: the ledger rows, the local objects of every
kind (putcodes.kinds), their eligibility and hashes, the connection. Two queries per kind per
batch of researchers, whatever their number of items."""

from __future__ import annotations

from typing import Any, Sequence

from django.utils import timezone

from ..kinds import KINDS
from ..models import OrcidItem
from .plan import LedgerRow, ObjectFacts, Plan, RecordContext, RecordState, connection_mode, plan_build

# Connection statuses that say the record itself is unusable (issue 12's record states).
_RECORD_STATES = {RecordState.LOCKED, RecordState.DEACTIVATED, RecordState.DEPRECATED}


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


def _plan_data(researcher_ids: list[int], units) -> dict[int, dict[str, tuple[list, list]]]:
    """Each researcher's ledger rows and local objects, per kind, in two queries per kind."""
    from units.models import Unit

    # Units are few: read once and attached to every row (select_related would build one Unit
    # per row, a third of a no-change run's time).
    unit_by_id = Unit.objects.in_bulk()
    data: dict[int, dict[str, tuple[list, list]]] = {}
    for kind in KINDS.values():
        # Rows on another iD (the researcher connected a different record since) are read
        # too: their items are written afresh to the current record, reusing the row.
        items = OrcidItem.objects.filter(researcher_id__in=researcher_ids, kind=kind.kind)
        if units is not None:
            items = items.filter(unit__in=units)
        for item in items:
            item._state.fields_cache["unit"] = unit_by_id[item.unit_id]
            data.setdefault(item.researcher_id, {}).setdefault(kind.kind, ([], []))[0].append(item)
        for obj in kind.objects(researcher_ids, units):
            obj._state.fields_cache["unit"] = unit_by_id[obj.unit_id]
            data.setdefault(obj.researcher_id, {}).setdefault(kind.kind, ([], []))[1].append(obj)
    return data


def _facts(kind, obj) -> ObjectFacts:
    eligible = kind.eligible(obj)
    # The hash (the body serialised) is the costly part: only an eligible item is written.
    return ObjectFacts(eligible, kind.content_hash(obj) if eligible else "", kind.approved_at(obj) if eligible else None)


def _candidates(data: dict[str, tuple[list, list]]):
    for kind in KINDS.values():
        items, objects = data.get(kind.kind, ([], []))
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
            # A plain tuple in `Candidate`'s order: built for every item of every run.
            yield kind, obj, item, row, _facts(kind, obj), bool(obj.unit.paused)
        # Items whose local object is gone (deleted outright) or moved to another researcher.
        for item in orphans + list(by_obj.values()):
            yield kind, None, item, LedgerRow.of(item), None, bool(item.unit.paused)


def researcher_plan(*, researcher, orcid: str, units: Sequence[Any] | None = None, connection=None) -> Plan:
    """Compare what should be on `orcid` for `researcher` (each kind's eligibility) with the
    ledger: what to create, update, delete, reconcile. Reads only the database."""
    data = _plan_data([researcher.pk], units)
    return plan_build(_candidates(data.get(researcher.pk, {})), record_context(connection, orcid))


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
        data = _plan_data(chunk, units)
        for researcher_id in chunk:
            connection = connections.get(researcher_id)
            if connection is None:
                yield researcher_id, None, None, planned_at
            else:
                plan = plan_build(_candidates(data.get(researcher_id, {})), record_context(connection))
                yield researcher_id, connection, plan, planned_at
