"""The sync: what should be on each researcher's ORCID record, compared with the ledger, and
the calls that make ORCID match, with every outcome recorded in the ledger.

Per researcher (`researcher_sync`), under the record's lock (putcodes.locks):
  0. items whose last POST lost its answer (`outcome_unknown`) are reconciled first, by
     reading the record, before anything else is written for the researcher;
  1. items no longer eligible (un-approved, made private, removed by the unit) are deleted;
  2. items whose content changed (content hash) are updated;
  3. new eligible items are created, works through the bulk endpoint (≤ 100 per call).
Nothing else is called: a run with nothing to write makes no call at all, not even a read.

Put-codes are saved in the transaction that records the call's outcome. Before a POST the
items are marked `outcome_unknown` in their own transaction, so that even a crash between
the POST and the recording leaves a trail that the next run reconciles (never a duplicate).

How ORCID's answers are handled (https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/):
- 404 on PUT/DELETE: the researcher deleted it; `deleted_on_orcid`, not written again
  unless the researcher approves it again after that.
- 409 9021 on create: our client already has it; the put-code is adopted (from the error or
  by matching the normalised `self` identifier in /works), then the item is updated.
- lost POST answer: reconcile by reading the record.
- 401 invalid_token: the connection turns `revoked`; no more creates or updates for the
  researcher, but deletions still owed are sent (ORCID lets the source delete with a token
  the researcher revoked).
- 403 and 400: recorded on the item with ORCID's message; the same body is not sent again
  (only a change of the item, or "retry failed items", sends it again).
- 5xx, 503 and timeouts: retried with backoff by the client; what still fails is left as it
  was for the next run.
"""

from __future__ import annotations

import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection as db_connection, transaction
from django.db.models import F
from django.utils import timezone

from orcid_client.errors import (
    Duplicate,
    NotFound,
    OrcidError,
    OutcomeUnknown,
    TokenRevoked,
    Unavailable,
)

from . import signals
from .kinds import KINDS, ItemKind
from .locks import orcid_record_lock
from .models import OrcidItem, SyncError, SyncRun

logger = logging.getLogger("putcodes.sync")

State = OrcidItem.State

# Items that are on the ORCID record (their put-code is live) as far as the ledger knows.
LIVE_STATES = (State.ON_ORCID, State.ERROR)
# Errors kept per run; beyond this only the count grows (a broken run must not fill the disk).
MAX_ERRORS_PER_RUN = 1000
DEFAULT_WORKERS = 12


# ---------------------------------------------------------------------------------------------
# Counts
# ---------------------------------------------------------------------------------------------

@dataclass
class SyncCounts:
    """What one researcher's sync (or a whole run) did, per outcome, in items."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    OUTCOMES = ("created", "updated", "deleted", "unchanged", "skipped", "failed")

    def add(self, other: "SyncCounts") -> None:
        for name in self.OUTCOMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    @property
    def writes_owed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.failed)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.OUTCOMES}

    def summary_line(self) -> str:
        return " ".join(f"{name}={getattr(self, name)}" for name in self.OUTCOMES)


def _error_note(item: OrcidItem | None, error: Exception, researcher=None) -> dict[str, Any]:
    status = getattr(error, "status", None)
    code = getattr(error, "error_code", None)
    return {
        "item_id": item.pk if item is not None else None,
        "researcher_id": getattr(researcher, "pk", None) or (item.researcher_id if item is not None else None),
        "status": status,
        "error_code": code,
        "message": _error_message(error)[:2000],
    }


def _error_message(error: Exception) -> str:
    if isinstance(error, OrcidError):
        return error.user_message or error.developer_message or str(error)
    return f"{type(error).__name__}: {error}"


# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------

class Mode:
    """What may be written to a researcher's record."""

    FULL = "full"  # an active connection
    DELETE_ONLY = "delete_only"  # the researcher revoked on ORCID: deletions still go
    NONE = "none"  # no usable token


@dataclass
class Entry:
    kind: ItemKind
    obj: Any | None
    item: OrcidItem | None
    content_hash: str = ""


@dataclass
class Plan:
    creates: list[Entry] = field(default_factory=list)
    updates: list[Entry] = field(default_factory=list)
    deletes: list[Entry] = field(default_factory=list)
    unknown: list[Entry] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0

    @property
    def writes(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.deletes) + len(self.unknown)


def _researcher_mode(connection) -> str:
    if connection is None:
        return Mode.NONE
    from connections.models import OrcidConnection

    if connection.status == OrcidConnection.Status.ACTIVE:
        return Mode.FULL
    if (
        connection.status == OrcidConnection.Status.REVOKED
        and connection.revoked_by == OrcidConnection.RevokedBy.RESEARCHER
        and connection.access_token_encrypted
    ):
        return Mode.DELETE_ONLY
    return Mode.NONE


def _error_blocks_retry(item: OrcidItem, content_hash: str, connection) -> bool:
    """An item ORCID refused is sent again only when what we would send changed, or, for a
    missing scope, when the researcher connected again since (granting scopes anew)."""
    if item.attempted_hash and item.attempted_hash != content_hash:
        return False
    if item.last_error_code == 9038 and connection is not None and item.last_error_at:
        if connection.connected_at and connection.connected_at > item.last_error_at:
            return False
    return bool(item.attempted_hash)


def researcher_plan(*, researcher, orcid: str, units: Sequence[Any] | None = None, connection=None) -> Plan:
    """Compare what should be on `orcid` for `researcher` (each kind's eligibility) with the
    ledger: what to create, update, delete, reconcile. Reads only the database."""
    data = _plan_data([researcher.pk], units)
    return _plan_build(data.get(researcher.pk, {}), orcid, connection)


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


def _plan_build(data: dict[str, tuple[list, list]], orcid: str, connection) -> Plan:
    plan = Plan()
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
            _plan_one(plan, kind, obj, item, connection, orcid)
        # Items whose local object is gone (deleted outright) or moved to another researcher.
        for item in orphans + list(by_obj.values()):
            _plan_one(plan, kind, None, item, connection, orcid)
    return plan


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
                plan = _plan_build(data.get(researcher_id, {}), connection.orcid, connection)
                yield researcher_id, connection, plan, planned_at


def _plan_one(plan: Plan, kind: ItemKind, obj, item: OrcidItem | None, connection, orcid: str) -> None:
    unit = obj.unit if obj is not None else (item.unit if item is not None else None)
    paused = bool(unit is not None and unit.paused)
    if item is not None and item.orcid != orcid:
        # On another record, out of reach without its token: only a new write here is ours.
        if obj is not None and not paused and kind.eligible(obj):
            plan.creates.append(Entry(kind, obj, item, kind.content_hash(obj)))
        return
    if item is not None and item.state == State.OUTCOME_UNKNOWN:
        # Whatever happens next, first learn whether the lost POST happened.
        if paused:
            plan.skipped += 1
        else:
            plan.unknown.append(Entry(kind, obj, item, item.attempted_hash))
        return
    eligible = obj is not None and kind.eligible(obj)
    live = item is not None and item.put_code is not None and item.state in LIVE_STATES
    if not eligible:
        if live:
            if paused:
                plan.skipped += 1
            else:
                plan.deletes.append(Entry(kind, obj, item))
        return
    content_hash = kind.content_hash(obj)
    entry = Entry(kind, obj, item, content_hash)
    if item is None or item.state in (State.PENDING, State.WITHDRAWN):
        target = plan.creates
    elif item.state == State.ON_ORCID:
        if item.content_hash == content_hash:
            plan.unchanged += 1
            return
        target = plan.updates
    elif item.state == State.DELETED_ON_ORCID:
        approved_at = kind.approved_at(obj)
        if not (approved_at and item.deleted_on_orcid_at and approved_at > item.deleted_on_orcid_at):
            plan.unchanged += 1  # the researcher's deletion stands
            return
        target = plan.creates
    else:  # ERROR
        if _error_blocks_retry(item, content_hash, connection):
            plan.skipped += 1
            return
        target = plan.updates if live else plan.creates
    if paused:
        plan.skipped += 1
    else:
        target.append(entry)


# ---------------------------------------------------------------------------------------------
# Executing the plan for one researcher
# ---------------------------------------------------------------------------------------------

_MARK_FIELDS = ["orcid", "put_code", "state", "attempted_hash", "attempts", "updated_at"]
_RESULT_FIELDS = [
    "put_code", "state", "content_hash", "attempted_hash", "written_at", "last_error_status", "last_error_code",
    "last_error_message", "last_error_at", "updated_at",
]


def _update_rows(items: list[OrcidItem], fields: list[str]) -> None:
    """Save `fields` of many rows with one prepared UPDATE run for each (executemany).

    Django's bulk_update builds a CASE expression per field and row, which costs more CPU
    than the ORCID call it records; at ORCID's 24 calls/s the sync has ~40 ms of CPU per
    researcher, so the ledger's writes must be cheap. No signals are sent (see
    _announce_written)."""
    from django.db import connection as conn

    if not items:
        return
    meta = OrcidItem._meta
    columns = [meta.get_field(name) for name in fields]
    quote = conn.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in columns), quote(meta.pk.column)
    )
    rows = [[f.get_db_prep_save(getattr(item, f.attname), conn) for f in columns] + [item.pk] for item in items]
    with conn.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_rows(items: list[OrcidItem]) -> None:
    """Insert new ledger rows with one prepared INSERT (executemany) and set their ids: what
    Django's bulk_create does, at a fraction of its CPU (see _update_rows)."""
    from django.db import connection as conn

    if not items:
        return
    meta = OrcidItem._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = conn.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    rows = [[f.get_db_prep_save(f.pre_save(item, add=True), conn) for f in fields] for item in items]
    with conn.cursor() as cursor:
        cursor.executemany(sql, rows)
    # The rows are one unit's items each, unique by (unit, kind, local_id): read their ids back.
    ids = {
        (unit_id, local_id): pk
        for pk, unit_id, local_id in OrcidItem.objects.filter(
            kind=items[0].kind, unit_id__in={i.unit_id for i in items}, local_id__in=[i.local_id for i in items]
        ).values_list("pk", "unit_id", "local_id")
    }
    for item in items:
        item.pk = ids[(item.unit_id, item.local_id)]
        item._state.adding = False
        item._state.db = "default"


def _announce_written(items: list[OrcidItem]) -> None:
    """Items were written in bulk (no post_save per row): tell listeners once per batch.

    `putcodes.signals.items_written` carries them all; one post_save of the batch's first
    item keeps receivers written against post_save (notifications' "first items written"
    email, which looks at all of the researcher's items) working without a call per row."""
    from django.db.models.signals import post_save

    from .signals import items_written

    items_written.send(sender=OrcidItem, items=items)
    post_save.send(sender=OrcidItem, instance=items[0], created=False, update_fields=None, raw=False, using="default")


class _StopWriting(Exception):
    """Nothing more can be written for this researcher in this run."""


class _ResearcherSync:
    """Carries out one researcher's plan, recording every outcome in the ledger."""

    def __init__(self, *, researcher, connection, client, counts: SyncCounts, units) -> None:
        self.researcher = researcher
        self.connection = connection
        self.client = client
        self.counts = counts
        self.units = units
        self.orcid = connection.orcid
        self.mode = _researcher_mode(connection)
        self._token: str | None = None
        self._delete_token: str | None = None

    # Tokens -----------------------------------------------------------------------------

    def token(self) -> str:
        from connections.services import connection_access_token

        if self.mode != Mode.FULL:
            raise _StopWriting()
        if self._token is None:
            try:
                self._token = connection_access_token(connection=self.connection)
            except TokenRevoked as error:
                self._revoked(error)
                raise _StopWriting() from None
            except OrcidError as error:  # ORCID unreachable for the refresh: next run
                self.counts.errors.append(_error_note(None, error, self.researcher))
                raise _StopWriting() from None
        return self._token

    def delete_token(self) -> str:
        from connections.services import connection_access_token

        if self.mode == Mode.FULL:
            try:
                return self.token()
            except _StopWriting:
                pass  # the token was refused for writing; deletions may still be allowed
        if self.mode == Mode.NONE:
            raise _StopWriting()
        if self._delete_token is None:
            try:
                self._delete_token = connection_access_token(connection=self.connection, for_delete=True)
            except TokenRevoked:
                self.mode = Mode.NONE
                raise _StopWriting() from None
        return self._delete_token

    def _revoked(self, error: OrcidError) -> None:
        """ORCID said invalid_token: the connection turns revoked; deletions may still go."""
        from connections.services import connection_mark_revoked

        if self.mode == Mode.FULL:
            connection_mark_revoked(connection=self.connection, reason=_error_message(error)[:500])
            self.connection.refresh_from_db()
            self._delete_token = self._token
            self._token = None
            self.mode = _researcher_mode(self.connection)
            self.counts.errors.append(_error_note(None, error, self.researcher))
        else:
            self.mode = Mode.NONE

    # Ledger writes ------------------------------------------------------------------------

    @staticmethod
    def _clear_error(item: OrcidItem) -> None:
        item.last_error_status = None
        item.last_error_code = None
        item.last_error_message = ""
        item.last_error_at = None

    def _note_error(self, item: OrcidItem, error: Exception) -> None:
        item.last_error_status = getattr(error, "status", None)
        item.last_error_code = getattr(error, "error_code", None)
        item.last_error_message = _error_message(error)[:5000]
        item.last_error_at = timezone.now()
        self.counts.errors.append(_error_note(item, error, self.researcher))

    def _mark_refused(self, item: OrcidItem, error: OrcidError, content_hash: str) -> None:
        self._note_error(item, error)
        item.state = State.ERROR
        item.attempted_hash = content_hash or item.attempted_hash or "refused"

    def _refused(self, item: OrcidItem, error: OrcidError, content_hash: str) -> None:
        """ORCID refused the item (400/403/409 other than ours): record it, do not retry blindly."""
        self._mark_refused(item, error, content_hash)
        item.save()
        self.counts.failed += 1

    def _left_for_next_run(self, item: OrcidItem, error: Exception) -> None:
        """ORCID could not be reached or answered 5xx after the retries: try again next run."""
        self._note_error(item, error)
        item.save(update_fields=[
            "last_error_status", "last_error_code", "last_error_message", "last_error_at", "updated_at",
        ])
        self.counts.failed += 1

    # The steps -----------------------------------------------------------------------------

    def run(self, plan: Plan) -> None:
        if plan.unknown:
            if self.mode != Mode.FULL:
                self.counts.skipped += plan.writes
                return
            for kind in {e.kind.kind: e.kind for e in plan.unknown}.values():
                if self._reconcile(kind, [e for e in plan.unknown if e.kind is kind], count=False) is None:
                    # The record could not be read: nothing else is written until it can be.
                    self.counts.failed += plan.writes
                    return
            # The record is known again: plan afresh.
            plan = researcher_plan(
                researcher=self.researcher, orcid=self.orcid, units=self.units, connection=self.connection
            )
        self.counts.unchanged += plan.unchanged
        self.counts.skipped += plan.skipped
        # (call, number of items) in order: deletions, updates, then creations in chunks.
        steps: list[tuple[Callable[[], None], int]] = [(lambda e=e: self._delete(e), 1) for e in plan.deletes]
        steps += [(lambda e=e: self._update(e), 1) for e in plan.updates]
        creates_by_kind: dict[str, list[Entry]] = {}
        for entry in plan.creates:
            creates_by_kind.setdefault(entry.kind.kind, []).append(entry)
        for kind_name, entries in creates_by_kind.items():
            kind = KINDS[kind_name]
            size = kind.bulk_limit if kind.create_bulk else 1
            for start in range(0, len(entries), size):
                chunk = entries[start:start + size]
                steps.append((lambda k=kind, c=chunk: self._create(k, c), len(chunk)))
        for index, (step, size) in enumerate(steps):
            try:
                step()
            except _StopWriting:
                # This step's items and the rest are owed to a later run (or a reconnect).
                self.counts.skipped += size + sum(n for _, n in steps[index + 1:])
                return

    def _delete(self, entry: Entry) -> None:
        item, kind = entry.item, entry.kind
        token = self.delete_token()
        try:
            kind.delete(self.client, self.orcid, token, item.put_code)
        except NotFound:
            with transaction.atomic():
                self._gone_on_orcid(item)
            self.counts.skipped += 1
            return
        except TokenRevoked as error:
            # Even a deletion is refused: the token is dead for everything.
            if self.mode == Mode.FULL:
                self._revoked(error)
            self.mode = Mode.NONE
            raise _StopWriting() from None
        except (Unavailable, OutcomeUnknown) as error:
            self._left_for_next_run(item, error)
            return
        except OrcidError as error:
            self._refused(item, error, item.content_hash)
            return
        item.attempts += 1
        item.state = State.WITHDRAWN
        item.withdrawn_at = item.updated_at = timezone.now()
        item.content_hash = ""
        item.attempted_hash = ""
        self._clear_error(item)
        _update_rows([item], _RESULT_FIELDS + ["attempts", "withdrawn_at"])
        self.counts.deleted += 1

    def _gone_on_orcid(self, item: OrcidItem) -> None:
        item.state = State.DELETED_ON_ORCID
        item.deleted_on_orcid_at = timezone.now()
        item.content_hash = ""
        item.attempted_hash = ""
        self._clear_error(item)
        item.save()
        from .signals import items_changed_on_orcid  # unit events tell the owning unit

        items_changed_on_orcid.send(sender=OrcidItem, items=[item.pk], change="deleted")

    def _update(self, entry: Entry, *, adopted: bool = False) -> None:
        item, kind = entry.item, entry.kind
        token = self.token()
        body = kind.body(entry.obj)
        try:
            kind.update(self.client, self.orcid, token, item.put_code, body)
        except NotFound:
            with transaction.atomic():
                self._gone_on_orcid(item)
            self.counts.skipped += 1
            return
        except TokenRevoked as error:
            self._revoked(error)
            raise _StopWriting() from None
        except (Unavailable, OutcomeUnknown) as error:
            # A PUT is idempotent: sending it again next run is safe.
            self._left_for_next_run(item, error)
            return
        except OrcidError as error:
            self._refused(item, error, entry.content_hash)
            return
        item.attempts += 1
        item.state = State.ON_ORCID
        item.content_hash = entry.content_hash
        item.attempted_hash = ""
        item.written_at = item.updated_at = timezone.now()
        self._clear_error(item)
        # Without signals: an update is not news to anyone listening for first writes.
        _update_rows([item], _RESULT_FIELDS + ["attempts"])
        if adopted:
            self.counts.created += 1
        else:
            self.counts.updated += 1

    def _mark_unknown(self, kind: ItemKind, chunk: list[Entry]) -> None:
        """Before a POST: the items are `outcome_unknown` with the hash of what is sent, so a
        crash before its answer is recorded leaves a trail for the next run to reconcile."""
        now = timezone.now()
        with transaction.atomic():
            missing = [entry for entry in chunk if entry.item is None]
            existing: dict[tuple[int, str], OrcidItem] = {}
            if missing:
                # A row of the item may exist under another researcher (the unit moved the
                # item to someone else): the unit's item has one row, reused.
                for item in OrcidItem.objects.filter(
                    kind=kind.kind, unit_id__in={e.obj.unit_id for e in missing},
                    local_id__in=[e.obj.local_id for e in missing],
                ):
                    existing[(item.unit_id, item.local_id)] = item
            new: list[OrcidItem] = []
            old: list[OrcidItem] = []
            for entry in chunk:
                item = entry.item
                if item is None:
                    obj = entry.obj
                    item = existing.get((obj.unit_id, obj.local_id))
                    if item is None:
                        item = OrcidItem(unit=obj.unit, kind=kind.kind, local_id=obj.local_id)
                    item.researcher = self.researcher
                    setattr(item, kind.fk, obj)
                    entry.item = item
                item.orcid = self.orcid
                item.put_code = None
                item.state = State.OUTCOME_UNKNOWN
                item.attempted_hash = entry.content_hash
                item.attempts += 1
                item.updated_at = now
                (old if item.pk else new).append(item)
            if new:
                _insert_rows(new)
            if old:
                _update_rows(old, _MARK_FIELDS + [kind.fk, "researcher"])

    def _back_to_pending(self, chunk: list[Entry], error: Exception | None = None) -> None:
        """The POST surely did not happen: the items wait for the next run."""
        with transaction.atomic():
            for entry in chunk:
                item = entry.item
                item.state = State.PENDING
                item.attempted_hash = ""
                if error is not None:
                    self._note_error(item, error)
                item.updated_at = timezone.now()
            _update_rows([e.item for e in chunk], _RESULT_FIELDS)

    def _create(self, kind: ItemKind, chunk: list[Entry], *, attempt: int = 1) -> None:
        token = self.token()
        bodies = [kind.body(entry.obj) for entry in chunk]
        self._mark_unknown(kind, chunk)
        try:
            if kind.create_bulk:
                results: list[int | OrcidError] = kind.create_bulk(self.client, self.orcid, token, bodies)
            else:
                try:
                    results = [kind.create(self.client, self.orcid, token, bodies[0])]
                except (Duplicate,) as error:  # per-item refusals come back like a bulk's
                    results = [error]
                except OrcidError as error:
                    if isinstance(error, (OutcomeUnknown, Unavailable, TokenRevoked)):
                        raise
                    results = [error]
        except OutcomeUnknown as error:
            logger.warning("Lost the answer of a POST to %s (%d item(s)); reconciling", self.orcid, len(chunk))
            self.counts.errors.append(_error_note(None, error, self.researcher))
            missing = self._reconcile(kind, chunk, count=True)
            if missing and attempt < 2:
                # The record says these were not created: sending them again cannot duplicate.
                self._create(kind, missing, attempt=attempt + 1)
            elif missing:
                self.counts.failed += len(missing)
            return
        except TokenRevoked as error:
            self._back_to_pending(chunk)
            self._revoked(error)
            raise _StopWriting() from None
        except Unavailable as error:  # 5xx, 503 or no answer after the retries: next run
            self._back_to_pending(chunk, error)
            self.counts.failed += len(chunk)
            self.counts.errors.append(_error_note(None, error, self.researcher))
            return
        except OrcidError as error:  # ORCID refused the whole call (403 scope, 400): per item
            now = timezone.now()
            for entry in chunk:
                self._mark_refused(entry.item, error, entry.content_hash)
                entry.item.updated_at = now
            with transaction.atomic():
                _update_rows([e.item for e in chunk], _RESULT_FIELDS)
            self.counts.failed += len(chunk)
            return
        duplicates: list[tuple[Entry, Duplicate]] = []
        revoked: OrcidError | None = None
        written: list[OrcidItem] = []
        now = timezone.now()
        for entry, result in zip(chunk, results):
            item = entry.item
            item.updated_at = now
            if isinstance(result, int):
                item.put_code = result
                item.state = State.ON_ORCID
                item.content_hash = entry.content_hash
                item.attempted_hash = ""
                item.written_at = now
                self._clear_error(item)
                written.append(item)
                self.counts.created += 1
            elif isinstance(result, Duplicate):
                duplicates.append((entry, result))
            elif isinstance(result, TokenRevoked):
                revoked = result
                item.state = State.PENDING
                item.attempted_hash = ""
                self.counts.skipped += 1
            elif isinstance(result, Unavailable):
                item.state = State.PENDING
                item.attempted_hash = ""
                self._note_error(item, result)
                self.counts.failed += 1
            else:
                self._mark_refused(item, result, entry.content_hash)
                self.counts.failed += 1
        # Put-codes saved in one transaction with the outcome they came with.
        with transaction.atomic():
            _update_rows([e.item for e, r in zip(chunk, results) if not isinstance(r, Duplicate)], _RESULT_FIELDS)
        if written:
            _announce_written(written)
        if revoked is not None:
            self._revoked(revoked)
        for entry, duplicate in duplicates:
            self._adopt(kind, entry, duplicate)

    def _adopt(self, kind: ItemKind, entry: Entry, duplicate: Duplicate) -> None:
        """409 9021: our client already has this item on the record. Adopt its put-code
        (never make a second one), then write our current body over it."""
        item = entry.item
        put_code = duplicate.put_code
        if put_code is None:
            try:
                summaries = kind.read(self.client, self.orcid, self.token())
            except _StopWriting:
                self._back_to_pending([entry])
                self.counts.skipped += 1
                return
            except TokenRevoked as error:
                self._back_to_pending([entry])
                self._revoked(error)
                self.counts.skipped += 1
                return
            except OrcidError as error:
                self._back_to_pending([entry], error)
                self.counts.failed += 1
                return
            taken = self._owned_put_codes(kind, exclude=item.pk)
            put_code = kind.match(entry.obj, [s for s in summaries if s.put_code not in taken], self.client.client_id)
        if put_code is None:
            self._refused(item, duplicate, entry.content_hash)
            return
        owner = (
            OrcidItem.objects.filter(orcid=self.orcid, kind=kind.kind, put_code=put_code)
            .exclude(pk=item.pk).select_related("unit").first()
        )
        if owner is not None:
            # Another ledger row (another unit, or a twin with the same identifier) owns it:
            # the unit that wrote an item owns its put-code, so this one stays off ORCID.
            duplicate.developer_message = (
                f"ORCID already has this item from the portal as {owner.unit.code}:{owner.local_id} "
                f"(put-code {put_code}); it is not written twice."
            )
            duplicate.user_message = ""
            self._refused(item, duplicate, entry.content_hash)
            return
        with transaction.atomic():
            item.put_code = put_code
            item.state = State.ON_ORCID
            item.content_hash = ""  # what ORCID holds is not known: the update below writes ours
            item.attempted_hash = ""
            item.save()
        try:
            self._update(entry, adopted=True)
        except _StopWriting:
            self.counts.skipped += 1  # adopted; our body is written over it next run

    def _owned_put_codes(self, kind: ItemKind, *, exclude: int | None = None) -> set[int]:
        qs = OrcidItem.objects.filter(orcid=self.orcid, kind=kind.kind, put_code__isnull=False)
        if exclude is not None:
            qs = qs.exclude(pk=exclude)
        return set(qs.values_list("put_code", flat=True))

    def _reconcile(self, kind: ItemKind, entries: list[Entry], *, count: bool) -> list[Entry] | None:
        """Learn from the record which of `entries` (POSTs whose answer was lost) happened.

        Found: the put-code is recorded with the hash of what was sent. Not found: the item is
        pending again. Returns the entries not found, or None when the record could not be
        read (the items stay `outcome_unknown`, to be reconciled first next run)."""
        try:
            summaries = kind.read(self.client, self.orcid, self.token())
        except _StopWriting:
            return None
        except TokenRevoked as error:
            self._revoked(error)
            return None
        except OrcidError as error:
            self.counts.errors.append(_error_note(None, error, self.researcher))
            if count:
                self.counts.failed += len(entries)
            return None
        ids = [e.item.pk for e in entries if e.item is not None and e.item.pk]
        taken = self._owned_put_codes(kind) - set(
            OrcidItem.objects.filter(pk__in=ids).exclude(put_code__isnull=True).values_list("put_code", flat=True)
        )
        now = timezone.now()
        missing: list[Entry] = []
        with transaction.atomic():
            for entry in entries:
                item = entry.item
                put_code = None
                if entry.obj is not None:
                    put_code = kind.match(entry.obj, [s for s in summaries if s.put_code not in taken], self.client.client_id)
                if put_code is not None:
                    taken.add(put_code)
                    item.put_code = put_code
                    item.state = State.ON_ORCID
                    item.content_hash = item.attempted_hash
                    item.attempted_hash = ""
                    item.written_at = item.written_at or now
                    self._clear_error(item)
                    item.save()
                    if count:
                        self.counts.created += 1
                else:
                    item.put_code = None
                    item.state = State.PENDING
                    item.attempted_hash = ""
                    item.save()
                    missing.append(entry)
        return missing


def _connection_of(researcher):
    from connections.models import OrcidConnection

    return OrcidConnection.objects.filter(user=researcher).select_related("user").first()


def _new_client():
    from orcid_client.client import OrcidClient

    return OrcidClient()


def researcher_sync(
    *,
    researcher,
    run: SyncRun | None = None,
    unit=None,
    units: Sequence[Any] | None = None,
    client=None,
    lock_wait: float = 0.0,
    plan: Plan | None = None,
    planned_at=None,
    connection=None,
) -> SyncCounts:
    """Make the researcher's ORCID record match what the institution should have on it.

    Plans from the database; with nothing to write, returns without a call to ORCID (not even
    a read) or a database write. Otherwise takes the record's lock (another writer holding it:
    everything owed counts as skipped, that writer does it), plans again under the lock and
    writes. `unit`/`units` limit it to those units' items (an admin sees only their units).
    Adds its counts (and, with its own client, its call counts) to `run`.

    Never raises for ORCID's answers (they are recorded on the items); raises for database
    or programming errors.
    """
    if unit is not None:
        units = [unit]
    counts = SyncCounts()
    if connection is None or plan is None:
        connection = _connection_of(researcher)
        plan, planned_at = None, None
    own_client = client is None
    if connection is None:
        return counts
    if plan is None:
        planned_at = timezone.now()
        plan = researcher_plan(researcher=researcher, orcid=connection.orcid, units=units, connection=connection)
    mode = _researcher_mode(connection)
    if not _has_calls(plan, mode):
        counts.unchanged += plan.unchanged
        counts.skipped += plan.skipped + plan.writes
        _run_add(run, counts, researcher_done=True)
        return counts
    client = client or _new_client()
    try:
        with orcid_record_lock(connection.orcid, wait=lock_wait) as taken:
            if not taken:
                logger.info("ORCID record %s is being written by another worker; skipped", connection.orcid)
                counts.unchanged += plan.unchanged
                counts.skipped += plan.skipped + plan.writes
            else:
                seen = connection.updated_at
                connection.refresh_from_db()
                # The plan made before the lock stands only if nobody touched this researcher's
                # ledger (or connection) since it was read: another writer would have.
                fresh = (
                    planned_at is not None and connection.updated_at == seen
                    and not OrcidItem.objects.filter(researcher=researcher, updated_at__gte=planned_at).exists()
                )
                if not fresh:
                    plan = researcher_plan(
                        researcher=researcher, orcid=connection.orcid, units=units, connection=connection
                    )
                sync = _ResearcherSync(researcher=researcher, connection=connection, client=client, counts=counts, units=units)
                if sync.mode == Mode.DELETE_ONLY:
                    # No creates or updates for a revoked connection, only the deletions owed.
                    counts.skipped += len(plan.creates) + len(plan.updates) + len(plan.unknown)
                    plan.creates, plan.updates, plan.unknown = [], [], []
                sync.run(plan)
    finally:
        if own_client:
            _run_add_stats(run, client)
            client.close()
    _run_add(run, counts, researcher_done=True)
    return counts


def _has_calls(plan: Plan, mode: str) -> bool:
    if mode == Mode.FULL:
        return plan.writes > 0
    if mode == Mode.DELETE_ONLY:
        return bool(plan.deletes)
    return False


def researcher_withdraw_items(*, researcher) -> int:
    """Delete every item the institution put on the researcher's record (used when they
    disconnect and ask for it). Returns how many were removed (including those the
    researcher had already deleted on ORCID). The ledger keeps them as `withdrawn` (or
    `deleted_on_orcid`), so a later reconnect does not re-create them without a new choice...
    well: withdrawn items that are still eligible are written again if the researcher
    connects again, which is what reconnecting means.

    Raises `orcid_client.errors.Unavailable` (or another `OrcidError`) when ORCID could not
    be reached for some of them, after trying all: the caller keeps the connection so the
    researcher can try again; `TokenRevoked` when even deletions are refused.
    """
    connection = _connection_of(researcher)
    if connection is None:
        return 0
    items = list(
        OrcidItem.objects.filter(
            researcher=researcher, orcid=connection.orcid, put_code__isnull=False, state__in=LIVE_STATES
        ).select_related("unit")
    )
    unknown = list(OrcidItem.objects.filter(researcher=researcher, orcid=connection.orcid, state=State.OUTCOME_UNKNOWN))
    if not items and not unknown:
        return 0
    client = _new_client()
    counts = SyncCounts()
    removed = 0
    failure: OrcidError | None = None
    try:
        with orcid_record_lock(connection.orcid, wait=30.0) as taken:
            if not taken:
                raise Unavailable(None, None, "Another sync is writing to this ORCID record; try again in a minute.")
            sync = _ResearcherSync(researcher=researcher, connection=connection, client=client, counts=counts, units=None)
            if sync.mode == Mode.FULL and unknown:
                by_kind: dict[str, list[Entry]] = {}
                for item in unknown:
                    kind = KINDS[item.kind]
                    by_kind.setdefault(item.kind, []).append(Entry(kind, getattr(item, kind.fk), item, item.attempted_hash))
                for kind_name, entries in by_kind.items():
                    sync._reconcile(KINDS[kind_name], entries, count=False)
            # Read the ledger again: reconciling may have found more on the record.
            items = list(
                OrcidItem.objects.filter(
                    researcher=researcher, orcid=connection.orcid, put_code__isnull=False, state__in=LIVE_STATES
                )
            )
            for item in items:
                before = counts.deleted + counts.skipped
                try:
                    sync._delete(Entry(KINDS[item.kind], None, item))
                except _StopWriting:
                    raise TokenRevoked(401, None, "ORCID refused the token even for deletions.", oauth_error="invalid_token")
                if counts.deleted + counts.skipped > before:
                    removed += 1
                elif failure is None and item.state != State.ERROR:
                    failure = Unavailable(item.last_error_status, item.last_error_code, item.last_error_message)
    finally:
        client.close()
    if failure is not None:
        raise failure
    return removed


# ---------------------------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------------------------

def sync_run_start(
    *,
    triggered_by: str,
    trigger: str | None = None,
    unit=None,
    researcher=None,
) -> SyncRun:
    """Record the start of a run. `triggered_by` says who or what (a username, "beat")."""
    if trigger is None:
        trigger = SyncRun.Trigger.SCHEDULE if triggered_by in ("beat", "schedule") else SyncRun.Trigger.COMMAND
    return SyncRun.objects.create(trigger=trigger, triggered_by=triggered_by[:200], unit=unit, researcher=researcher)


def _run_add(run: SyncRun | None, counts: SyncCounts, *, researcher_done: bool = False, researchers_done: int = 0) -> None:
    if run is None:
        return
    updates = {name: F(name) + getattr(counts, name) for name in SyncCounts.OUTCOMES if getattr(counts, name)}
    researchers_done += 1 if researcher_done else 0
    if researchers_done:
        updates["researchers_done"] = F("researchers_done") + researchers_done
    errors = counts.errors
    if errors:
        updates["error_count"] = F("error_count") + len(errors)
    with transaction.atomic():
        if updates:
            SyncRun.objects.filter(pk=run.pk).update(**updates)
        if errors:
            already = SyncRun.objects.filter(pk=run.pk).values_list("error_count", flat=True).first() or 0
            room = max(0, MAX_ERRORS_PER_RUN - (already - len(errors)))
            SyncError.objects.bulk_create(
                [
                    SyncError(
                        run_id=run.pk, item_id=e["item_id"], researcher_id=e["researcher_id"],
                        status=e["status"], error_code=e["error_code"], message=e["message"] or "error",
                    )
                    for e in errors[:room]
                ]
            )
    counts.errors = []


def _run_add_stats(run: SyncRun | None, client) -> None:
    if run is None or client is None:
        return
    stats = client.stats.snapshot()
    SyncRun.objects.filter(pk=run.pk).update(
        api_reads=F("api_reads") + stats["reads"],
        api_writes=F("api_writes") + stats["writes"],
        api_retries=F("api_retries") + stats["retries"],
    )


def sync_run_finish(*, run: SyncRun, note: str = "", failed: bool = False) -> SyncRun:
    """Close the run (end time, status) and return it fresh from the database."""
    closed = SyncRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now(),
        status=SyncRun.Status.FAILED if failed else SyncRun.Status.FINISHED,
        note=note[:2000],
    )
    run.refresh_from_db()
    if closed:
        signals.sync_run_finished.send(sender=SyncRun, run=run)
    return run


def sync_run_researcher_done(*, run_id: int) -> None:
    """After a researcher task of a fanned-out run: the last one closes the run."""
    closed = SyncRun.objects.filter(
        pk=run_id, finished_at__isnull=True, researchers_done__gte=F("researchers_total")
    ).update(finished_at=timezone.now(), status=SyncRun.Status.FINISHED)
    if closed:
        signals.sync_run_finished.send(sender=SyncRun, run=SyncRun.objects.get(pk=run_id))


def sync_run_execute(
    *,
    run: SyncRun,
    researcher_ids: Iterable[int] | None = None,
    units: Sequence[Any] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    client=None,
) -> SyncRun:
    """Run the sync now, in this process, over several researchers at once (a thread pool,
    so ORCID's latency does not leave the rate limit unused; the shared limiter keeps the
    pace). `researcher_ids` defaults to everyone the run covers. Returns the finished run.
    """
    from .selectors import researcher_ids_to_sync

    if researcher_ids is None:
        researcher_ids = researcher_ids_to_sync(unit=run.unit, researcher=run.researcher)
    researcher_ids = list(researcher_ids)
    if units is None and run.unit is not None:
        units = [run.unit]
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=len(researcher_ids))
    workers = max(1, int(workers or getattr(settings, "ORCID_SYNC_WORKERS", DEFAULT_WORKERS)))
    own_client = client is None
    client = client or _new_client()
    User = get_user_model()
    in_memory_sqlite = _in_memory_sqlite()
    sequential = workers == 1 or len(researcher_ids) <= 1 or in_memory_sqlite or db_connection.in_atomic_block

    totals = _RunTotals(run)

    def one(researcher_id: int, connection=None, plan=None, planned_at=None) -> None:
        try:
            researcher = connection.user if connection is not None else User.objects.filter(pk=researcher_id).first()
            counts = SyncCounts()
            if researcher is not None:
                # Under the record's lock, the plan is checked (or made again) before writing.
                counts = researcher_sync(
                    researcher=researcher, run=None, units=units, client=client,
                    connection=connection, plan=plan, planned_at=planned_at,
                )
            totals.add(counts)
        except Exception as error:  # one researcher's failure must not stop the run
            logger.exception("Sync of researcher %s failed", researcher_id)
            totals.add(SyncCounts(failed=1, errors=[{
                "item_id": None, "researcher_id": researcher_id, "status": None, "error_code": None,
                "message": f"{type(error).__name__}: {error}"[:2000],
            }]))
        finally:
            if not sequential:
                db_connection.close()  # each worker thread's own connection

    total = len(researcher_ids)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    try:
        # Researchers with nothing to send are settled here, from batched reads; only those
        # with calls to make go to the workers.
        pool = None if sequential else ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orcid-sync")
        pending: set = set()

        def settle(block_until: int) -> None:
            # Planning is CPU work that holds the GIL; planning far ahead of the workers
            # would slow their every database call (the GIL's convoy effect). So the next
            # batch is planned only once the workers are nearly out of work.
            nonlocal pending
            while len(pending) > block_until:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    future.result()
                    tick()

        try:
            for researcher_id, connection, plan, planned_at in researchers_plans(researcher_ids, units=units, batch=100):
                if connection is not None and _has_calls(plan, _researcher_mode(connection)):
                    if pool is None:
                        # Threads would not see this transaction's uncommitted rows, and an
                        # in-memory SQLite database (tests) cannot be shared by threads.
                        one(researcher_id, connection, plan, planned_at)
                        tick()
                    else:
                        if len(pending) >= workers * 4:
                            settle(workers * 2)
                        pending.add(pool.submit(one, researcher_id, connection, plan, planned_at))
                    continue
                counts = SyncCounts()
                if plan is not None:
                    counts.unchanged += plan.unchanged
                    counts.skipped += plan.skipped + plan.writes
                totals.add(counts)
                tick()
            settle(0)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
    finally:
        totals.flush()
        _run_add_stats(run, client)
        if own_client:
            client.close()
    return sync_run_finish(run=run)


class _RunTotals:
    """Adds researchers' counts to a run in memory and writes them every few seconds (so the
    admin sees a long run progress), instead of one UPDATE per researcher."""

    FLUSH_SECONDS = 2.0

    def __init__(self, run: SyncRun) -> None:
        import threading
        import time

        self._time = time.monotonic
        self._lock = threading.Lock()
        self._run = run
        self._pending = SyncCounts()
        self._done = 0
        self._flushed_at = self._time()

    def add(self, counts: SyncCounts) -> None:
        with self._lock:
            self._pending.add(counts)
            self._done += 1
            if self._time() - self._flushed_at < self.FLUSH_SECONDS:
                return
            pending, done = self._take()
        self._write(pending, done)

    def _take(self) -> tuple[SyncCounts, int]:
        pending, done = self._pending, self._done
        self._pending, self._done = SyncCounts(), 0
        self._flushed_at = self._time()
        return pending, done

    def _write(self, pending: SyncCounts, done: int) -> None:
        if done:
            _run_add(self._run, pending, researchers_done=done)

    def flush(self) -> None:
        with self._lock:
            pending, done = self._take()
        self._write(pending, done)


def _in_memory_sqlite() -> bool:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return False
    name = str(db_connection.settings_dict.get("NAME") or "")
    return name == ":memory:" or "mode=memory" in name


def sync_run_dispatch(
    *, run: SyncRun, researcher_ids: Iterable[int] | None = None, units: Sequence[Any] | None = None
) -> SyncRun:
    """Run the sync: in this process when there is no broker (CELERY_TASK_ALWAYS_EAGER),
    otherwise one Celery task per researcher, queued once the current transaction commits.
    Returns the run (finished when run in-process)."""
    from .selectors import researcher_ids_to_sync
    from .tasks import researcher_sync_task

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True):
        return sync_run_execute(run=run, researcher_ids=researcher_ids, units=units)
    if researcher_ids is None:
        researcher_ids = researcher_ids_to_sync(unit=run.unit, researcher=run.researcher)
    researcher_ids = list(researcher_ids)
    SyncRun.objects.filter(pk=run.pk).update(researchers_total=len(researcher_ids))
    if not researcher_ids:
        return sync_run_finish(run=run)
    if units is None and run.unit_id:
        unit_ids = [run.unit_id]
    else:
        unit_ids = [u.pk for u in units] if units is not None else None
    for researcher_id in researcher_ids:
        transaction.on_commit(
            lambda rid=researcher_id: researcher_sync_task.delay(rid, run.pk, unit_ids)
        )
    return run


def researchers_sync_now(
    *, researcher_ids: Iterable[int], triggered_by: str, units: Sequence[Any] | None = None,
    trigger: str = SyncRun.Trigger.ADMIN,
) -> SyncRun:
    """Sync these researchers now (an admin's or a page's "sync now"), limited to `units`
    when given (staff act only for their units). Returns the run: finished when it ran
    in-process (no broker), else queued."""
    run = sync_run_start(triggered_by=triggered_by, trigger=trigger)
    return sync_run_dispatch(run=run, researcher_ids=sorted(set(researcher_ids)), units=units)


def items_retry_failed(*, items: Iterable[OrcidItem]) -> int:
    """Let the next sync send again items ORCID refused (an operator fixed the cause). Returns
    how many were reset."""
    ids = [item.pk for item in items]
    return OrcidItem.objects.filter(pk__in=ids, state=State.ERROR).update(attempted_hash="", updated_at=timezone.now())


def researcher_reconcile(*, researcher) -> Any:
    """Read the record and bring the ledger in line (putcodes.reconcile, the webhook's work)."""
    from . import reconcile

    return reconcile.researcher_reconcile(researcher=researcher)
