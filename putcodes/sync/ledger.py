"""The ledger's state machine: every change of an `OrcidItem`'s state is one of these named
transitions, each setting the state and exactly the fields that go with it. Nothing else in the
portal assigns `OrcidItem.state` (the reconcile's conditional UPDATEs use the same field sets
through `items_mark_gone`).

    pending ──item_mark_sent──▶ outcome_unknown ──item_mark_written / item_mark_found──▶ on_orcid
       ▲                          │   │  item_mark_unknown (answer lost: stays, to reconcile)
       └──item_mark_pending───────┘   └──item_mark_refused──▶ error
    on_orcid / error ──item_mark_gone──▶ deleted_on_orcid     (404: the researcher deleted it)
    on_orcid / error ──item_mark_withdrawn──▶ withdrawn       (we deleted it)
    on_orcid / error ──item_mark_deleting──▶ (same state, in_flight="delete", committed before
                         the DELETE; its outcome clears it; a 404 after a crash: withdrawn)

In flight (`in_flight`): "create" from `item_mark_sent` until the POST's outcome is recorded
(with `sent_match`, the kind's match key of what was sent: recovery looks for that on the
record, never for the item's current data); "delete" from `item_mark_deleting` until the
DELETE's outcome is. Every transition that records an outcome clears it. The run that wrote an
item (created, updated, deleted it) is kept on the row (`last_run`, `last_action`): the run's
totals are counted from the ledger (putcodes.sync.reaper), not from counters a crash loses.
    any ──item_mark_adopted──▶ on_orcid                      (409: ORCID has it from us already)

The functions change the instance only; the executor saves (putcodes.sync.execute decides how,
often many rows with one statement: `rows_update`, `rows_insert`).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.db import models
from django.utils import timezone

from orcid_client.errors import OrcidError

from ..models import OrcidItem

State = OrcidItem.State

_ERROR_FIELDS = ("last_error_status", "last_error_code", "last_error_message", "last_error_at")
# What a POST's mark saves; what any outcome saves.
MARK_FIELDS = ["orcid", "put_code", "state", "attempted_hash", "attempts", "sent_match", "in_flight", "updated_at"]
RESULT_FIELDS = [
    "put_code", "state", "content_hash", "attempted_hash", "written_at", "last_error_status", "last_error_code",
    "last_error_message", "last_error_at", "in_flight", "sent_match", "last_run", "last_action", "updated_at",
    "written_fingerprint",
]
# A POST's outcome: its `sent_match` was saved with the mark before it (MARK_FIELDS).
CREATE_RESULT_FIELDS = [name for name in RESULT_FIELDS if name != "sent_match"]
InFlight = OrcidItem.InFlight
Action = OrcidItem.Action


def error_message(error: Exception) -> str:
    if isinstance(error, OrcidError):
        return error.user_message or error.developer_message or str(error)
    return f"{type(error).__name__}: {error}"


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def item_clear_error(item: OrcidItem) -> None:
    item.last_error_status = None
    item.last_error_code = None
    item.last_error_message = ""
    item.last_error_at = None


def item_note_error(item: OrcidItem, error: Exception, *, now: datetime | None = None) -> None:
    """Record ORCID's answer (or the failure to get one) on the item; the state is unchanged."""
    item.last_error_status = getattr(error, "status", None)
    item.last_error_code = getattr(error, "error_code", None)
    item.last_error_message = error_message(error)[:5000]
    item.last_error_at = _now(now)


def item_wrote(item: OrcidItem, run_id: int | None, action: str) -> None:
    """Note on the row which run wrote it, and how (the run's totals are counted from these)."""
    item.last_run_id = run_id
    item.last_action = action


def item_mark_sent(
    item: OrcidItem, *, orcid: str, content_hash: str, match_key=None, now: datetime | None = None
) -> None:
    """Before a POST: `outcome_unknown`, in flight, with the hash of what is sent and its match
    key (`sent_match`), so a crash before the answer is recorded leaves a trail that the next
    run reconciles against what was sent (never a duplicate, never an orphan)."""
    item.orcid = orcid
    item.put_code = None
    item.state = State.OUTCOME_UNKNOWN
    item.attempted_hash = content_hash
    item.sent_match = match_key
    item.in_flight = InFlight.CREATE
    item.attempts += 1
    item.updated_at = _now(now)


def item_mark_unknown(item: OrcidItem, *, error: Exception | None = None, now: datetime | None = None) -> None:
    """A POST's answer was lost: `outcome_unknown`, keeping the hash of what was sent, until a
    read of the record tells whether it happened."""
    item.state = State.OUTCOME_UNKNOWN
    item.put_code = None
    if error is not None:
        item_note_error(item, error, now=now)
    item.updated_at = _now(now)


def item_mark_written(
    item: OrcidItem, *, content_hash: str, put_code: int | None = None, now: datetime | None = None,
    match_key=None, run_id: int | None = None, action: str = "", fingerprint: str = "",
) -> None:
    """ORCID accepted a write (a POST with its new `put_code`, or a PUT; `action` created or
    updated, by run `run_id`); `fingerprint` the written fingerprint of the data written
    (putcodes.sync.fingerprint; "" unknown)."""
    now = _now(now)
    if put_code is not None:
        item.put_code = put_code
    if match_key is not None:
        item.sent_match = match_key
    if action:
        item_wrote(item, run_id, action)
    item.in_flight = InFlight.NONE
    item.state = State.ON_ORCID
    item.content_hash = content_hash
    item.written_fingerprint = fingerprint
    item.attempted_hash = ""
    item.written_at = item.updated_at = now
    item_clear_error(item)


def item_mark_found(
    item: OrcidItem, *, put_code: int, now: datetime | None = None, run_id: int | None = None, counted: bool = False
) -> None:
    """A POST whose answer was lost is on the record after all (reconcile): what it sent is
    what ORCID holds. `counted`: created by this run (`run_id`); otherwise the row keeps the
    run that sent it."""
    now = _now(now)
    if counted:
        item_wrote(item, run_id, Action.CREATED)
    item.in_flight = InFlight.NONE
    item.put_code = put_code
    item.state = State.ON_ORCID
    item.content_hash = item.attempted_hash
    item.attempted_hash = ""
    item.written_at = item.written_at or now
    item_clear_error(item)


def item_mark_adopted(item: OrcidItem, *, put_code: int) -> None:
    """409 9021: ORCID already has this item from our client. Its put-code is ours; what ORCID
    holds is not known, so the next write sends our body over it."""
    item.put_code = put_code
    item.state = State.ON_ORCID
    item.in_flight = InFlight.NONE
    item.content_hash = ""
    item.attempted_hash = ""


def item_mark_pending(
    item: OrcidItem, *, error: Exception | None = None, forget_put_code: bool = False, now: datetime | None = None
) -> None:
    """The POST surely did not happen (refused before it was made, or not on the record): the
    item waits for the next run."""
    if forget_put_code:
        item.put_code = None
    item.state = State.PENDING
    item.in_flight = InFlight.NONE
    item.attempted_hash = ""
    if error is not None:
        item_note_error(item, error, now=now)
    item.updated_at = _now(now)


def item_mark_refused(item: OrcidItem, *, error: Exception, content_hash: str, now: datetime | None = None) -> None:
    """ORCID refused the item (400, 403, a 409 not ours): recorded with ORCID's message; the same
    body is not sent again (only a change, or an operator's retry, sends it again)."""
    item_note_error(item, error, now=now)
    item.state = State.ERROR
    item.in_flight = InFlight.NONE
    item.attempted_hash = content_hash or item.attempted_hash or "refused"


def gone_fields(now: datetime) -> dict:
    """The fields `item_mark_gone` sets (for conditional UPDATEs of many rows)."""
    return {
        "state": State.DELETED_ON_ORCID, "deleted_on_orcid_at": now, "content_hash": "", "attempted_hash": "",
        "in_flight": InFlight.NONE,
        "last_error_status": None, "last_error_code": None, "last_error_message": "", "last_error_at": None,
    }


def item_mark_gone(item: OrcidItem, *, now: datetime | None = None) -> None:
    """ORCID answered 404, or the record no longer lists it: the researcher deleted it."""
    for name, value in gone_fields(_now(now)).items():
        setattr(item, name, value)


def items_mark_gone(queryset, *, now: datetime | None = None) -> int:
    """`item_mark_gone` as one UPDATE of the rows of `queryset` (a conditional one, so a row
    that changed meanwhile is left alone). Returns how many changed."""
    now = _now(now)
    return queryset.update(updated_at=now, **gone_fields(now))


def item_mark_deleting(item: OrcidItem, *, now: datetime | None = None) -> None:
    """Before a DELETE: the item is in flight for deletion (saved and committed before the call),
    so a crash or a lost answer leaves the DELETE remembered as the portal's own: a 404 after
    it completes it (`withdrawn`), never taken for the researcher's deletion."""
    item.in_flight = InFlight.DELETE
    item.updated_at = _now(now)


def item_mark_delete_undone(item: OrcidItem, *, now: datetime | None = None) -> None:
    """A DELETE of ours in flight did not happen (its put-code is still on the record): the
    item is as it was (on ORCID), for the plan to decide again."""
    item.in_flight = InFlight.NONE
    item.updated_at = _now(now)


def withdrawn_fields(now: datetime) -> dict:
    """The fields `item_mark_withdrawn` sets but `attempts` and the run (for conditional UPDATEs)."""
    return {
        "state": State.WITHDRAWN, "withdrawn_at": now, "content_hash": "", "attempted_hash": "",
        "in_flight": InFlight.NONE, "last_error_status": None, "last_error_code": None,
        "last_error_message": "", "last_error_at": None,
    }


def item_mark_withdrawn(
    item: OrcidItem, *, now: datetime | None = None, run_id: int | None = None, counted: bool = True
) -> None:
    """We deleted it from the record (no longer eligible, or the researcher disconnected), or a
    DELETE of ours in flight turned out done (`counted` False: by an earlier run)."""
    now = _now(now)
    item.attempts += 1
    if counted:
        item_wrote(item, run_id, Action.DELETED)
    for name, value in withdrawn_fields(now).items():
        setattr(item, name, value)
    item.updated_at = now


def items_mark_withdrawn(queryset, *, now: datetime | None = None) -> int:
    """`item_mark_withdrawn` (not counted) as one conditional UPDATE: the reconcile's finding
    that a DELETE of ours in flight happened. Returns how many changed."""
    now = _now(now)
    return queryset.update(updated_at=now, **withdrawn_fields(now))


def items_mark_retry(queryset, *, now: datetime | None = None) -> int:
    """Let the next sync send again items ORCID refused (the state stays `error` until then)."""
    return queryset.filter(state=State.ERROR).update(attempted_hash="", updated_at=_now(now))


# ---------------------------------------------------------------------------------------------
# Saving many rows cheaply
# ---------------------------------------------------------------------------------------------

# Fields whose plain Python values go to the database as they are (a str to a text column, an
# int to an integer one): get_db_prep_save was most of a bulk call's ledger CPU (issue 17, item 5).
_PLAIN = ((models.CharField, str), (models.TextField, str), (models.BooleanField, bool),
          (models.IntegerField, int), (models.ForeignKey, int))


def _plain_type(field) -> type | None:
    for field_class, plain in _PLAIN:
        if isinstance(field, field_class):
            return plain
    return None


def _auto_now(fields: list, items: list[OrcidItem]) -> None:
    """What pre_save does on an insert for `auto_now(_add)` fields, with one time for all rows."""
    now = timezone.now()
    automatic = [f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    for item in items:
        for attname in automatic:
            setattr(item, attname, now)


def _row_values(fields: list, items: list[OrcidItem], conn, *, insert: bool = False) -> list[list]:
    """Each item's database values of `fields` (pre_save first, for an insert).

    A value of the field's plain type (a choices enum is a str) goes as it is; a time is
    prepared once per distinct value (a chunk's rows share theirs: an insert gives every row the
    same `auto_now` time); anything else through the field's get_db_prep_save. Read a column at
    a time, the types of a column checked once each (a first push reads 28 columns of 100 rows
    per bulk call)."""
    if insert:
        _auto_now(fields, items)
    prepared: dict = {}
    values = [item.__dict__ for item in items]
    return [list(row) for row in zip(*(_column(f, items, values, conn, prepared) for f in fields))]


_NONE_TYPE = type(None)


def _column(field, items: list[OrcidItem], values: list[dict], conn, prepared: dict) -> list:
    """One field's database values for every item (see `_row_values`)."""
    attname, plain = field.attname, _plain_type(field)
    try:
        column = [row[attname] for row in values]
    except KeyError:  # deferred on some row: read through the attribute
        column = [getattr(item, attname) for item in items]
    if all(kind is _NONE_TYPE or (plain is not None and issubclass(kind, plain)) for kind in set(map(type, column))):
        return column
    return [value if value is None or (plain is not None and isinstance(value, plain))
            else _prepared(field, value, conn, prepared) for value in column]


def _prepared(field, value, conn, cache: dict):
    if not isinstance(value, datetime):
        return field.get_db_prep_save(value, conn)
    key = (field.attname, value)
    found = cache.get(key)
    if found is None:
        found = cache[key] = field.get_db_prep_save(value, conn)
    return found


def execute_many(cursor, sql: str, rows: list) -> None:
    """`cursor.executemany(sql, rows)`, in one round trip on PostgreSQL.

    psycopg2's executemany sends one statement per row: a round trip each, and each time the GIL
    given up and waited for again, which a process syncing several researchers at once pays many
    times over (59 ms of a 100-work bulk call's 82 on PostgreSQL, issue 17). psycopg2's
    `execute_batch` sends the same statements joined, a page at a time."""
    if not rows:
        return
    if cursor.db.vendor == "postgresql":
        from psycopg2.extras import execute_batch

        execute_batch(cursor.cursor, sql, rows, page_size=250)
    else:
        cursor.executemany(sql, rows)


@lru_cache(maxsize=1)
def _new_row_template() -> tuple[dict[str, int], tuple]:
    """(position of each attname, each concrete field's default) in the order Django reads a
    row: what `item_new` builds rows from. Defaults are immutable here (strings, numbers,
    None); a callable default would be called once, so none may be mutable."""
    fields = OrcidItem._meta.concrete_fields
    defaults = tuple(f.get_default() if f.has_default() or not f.null else None for f in fields)
    if any(isinstance(value, (list, dict, set)) for value in defaults):
        raise TypeError("OrcidItem has a mutable default: item_new would share it between rows")
    return {f.attname: i for i, f in enumerate(fields)}, defaults


def item_new(*, unit, kind: str, local_id: str, researcher, fk: str, obj) -> OrcidItem:
    """A new, unsaved ledger row (`pending`) for the unit's item `obj` (its kind's foreign key
    `fk`) of `researcher`, with the related objects attached (no query to read them back).

    Built as Django builds a row it reads (positional values in field order) rather than with
    keyword arguments, which look up every field's default: a first push makes a row per
    item, and the keyword form was a tenth of a 100-work bulk call's CPU (issue 17, item 5)."""
    index, defaults = _new_row_template()
    values = list(defaults)
    values[index["unit_id"]] = unit.pk
    values[index["kind"]] = kind
    values[index["local_id"]] = local_id
    values[index["researcher_id"]] = researcher.pk
    values[index[f"{fk}_id"]] = obj.pk
    item = OrcidItem(*values)
    cache = item._state.fields_cache
    cache["unit"], cache["researcher"], cache[fk] = unit, researcher, obj
    return item


def rows_update(items: list[OrcidItem], fields: list[str]) -> None:
    """Save `fields` of many rows: on PostgreSQL one UPDATE ... FROM (VALUES ...) per thousand
    rows, the values every row shares written once (`_shared_literals`); elsewhere one prepared
    UPDATE run for each row (`execute_many`).

    Django's bulk_update builds a CASE expression per field and row, which costs more CPU
    than the ORCID call it records; at ORCID's 24 calls/s the sync has ~40 ms of CPU per
    researcher, so the ledger's writes must be cheap. No signals are sent (the executor
    sends `items_written`)."""
    from django.db import connection as conn

    if not items:
        return
    meta = OrcidItem._meta
    columns = [meta.get_field(name) for name in fields]
    rows = _row_values(columns, items, conn)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql" and len({item.pk for item in items}) == len(items) > 1:
            for start in range(0, len(rows), 1000):
                _update_from_values(cursor, columns, rows[start:start + 1000], items[start:start + 1000])
            return
        quote = conn.ops.quote_name
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in columns), quote(meta.pk.column)
        )
        execute_many(cursor, sql, [row + [item.pk] for row, item in zip(rows, items)])


def _update_from_values(cursor, columns: list, rows: list[list], items: list[OrcidItem]) -> None:
    """One UPDATE of `rows` (PostgreSQL): shared values as literals in SET, the others from a
    VALUES list joined on the id, each cast to its column's type (a VALUES column of NULLs or
    quoted strings has no type of its own)."""
    conn = cursor.db
    quote = conn.ops.quote_name
    meta = OrcidItem._meta
    literals = _shared_literals(cursor, rows)
    varying = [i for i, literal in enumerate(literals) if literal is None]
    sets = ", ".join(
        f"{quote(f.column)} = {literal}" if literal is not None
        else f"{quote(f.column)} = v.{quote(f.column)}::{f.cast_db_type(conn)}"
        for f, literal in zip(columns, literals)
    )
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    if not varying:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE {pk} IN ({', '.join(['%s'] * len(items))})",
                       [item.pk for item in items])
        return
    names = ", ".join([pk] + [quote(columns[i].column) for i in varying])
    one_row = "({})".format(", ".join(["%s"] * (len(varying) + 1)))
    cursor.execute(
        f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([one_row] * len(rows))}) AS v({names}) "
        f"WHERE {table}.{pk} = v.{pk}",
        [value for row, item in zip(rows, items) for value in [item.pk] + [row[i] for i in varying]],
    )


def _shared_literals(cursor, rows: list[list]) -> list[str | None]:
    """For each column of `rows`, on PostgreSQL, the SQL literal of the value every row shares
    (as psycopg2 quotes it, its % doubled as psycopg2 reads % in a statement), else None.

    A statement writing each shared value once instead of once per row: quoting parameters was
    most of the ledger's CPU per bulk call (a 100-row INSERT of 28 columns has 2,800; a new
    chunk's rows differ in about four of them: 4 ms of a 100-work call, issue 17, item 5)."""
    if cursor.db.vendor != "postgresql" or len(rows) < 2:
        return [None] * len(rows[0])
    literals: list[str | None] = []
    for column in zip(*rows):
        value = column[0]
        shared = (
            not hasattr(value, "getquoted")  # an adapter (JSON) compares by identity: never shared
            and column.count(value) == len(column) and len(set(map(type, column))) == 1  # 1 is not True
        )
        literals.append(cursor.cursor.mogrify("%s", [value]).decode().replace("%", "%%") if shared else None)
    return literals


def _values_shared_once(cursor, rows: list[list]) -> tuple[str, list[list]]:
    """A multi-row VALUES' row template and each row's parameters, the values every row shares
    written once into the template (`_shared_literals`)."""
    literals = _shared_literals(cursor, rows)
    varying = [i for i, literal in enumerate(literals) if literal is None]
    template = "({})".format(", ".join(literal if literal is not None else "%s" for literal in literals))
    return template, [[row[i] for i in varying] for row in rows]


def rows_of_items(kind: str, keys: list[tuple[int, str]]) -> list[int]:
    """The ids of the ledger rows of the units' items `keys` ((unit id, local id) pairs) of
    `kind`, under whichever researcher. One plain query per unit: asked before every POST, and on
    a first push the answer is always none (the ORM's query of 100 local ids cost a millisecond
    of CPU to build). Each query names the unit, so the database finds the rows through the
    unique index on (unit, kind, local id); without it PostgreSQL read the whole ledger for
    every POST (3.5 ms at 10,000 rows, growing with the ledger)."""
    from django.db import connection as conn

    if not keys:
        return []
    meta = OrcidItem._meta
    quote = conn.ops.quote_name
    by_unit: dict[int, set[str]] = {}
    for unit_id, local_id in keys:
        by_unit.setdefault(unit_id, set()).add(local_id)
    found = []
    with conn.cursor() as cursor:
        for unit_id, wanted in sorted(by_unit.items()):
            local_ids = sorted(wanted)
            for start in range(0, len(local_ids), 900):  # SQLite: at most 999 variables
                chunk = local_ids[start:start + 900]
                cursor.execute(
                    "SELECT {} FROM {} WHERE {} = %s AND {} = %s AND {} IN ({})".format(
                        quote(meta.pk.column), quote(meta.db_table), quote(meta.get_field("unit").column),
                        quote(meta.get_field("kind").column), quote(meta.get_field("local_id").column),
                        ", ".join(["%s"] * len(chunk)),
                    ),
                    [unit_id, kind, *chunk],
                )
                found += [pk for (pk,) in cursor.fetchall()]
    return found


def rows_insert(items: list[OrcidItem]) -> None:
    """Insert new ledger rows and set their ids: what Django's bulk_create does, at a fraction
    of its CPU (see rows_update). One multi-row INSERT ... RETURNING where the database has it
    (PostgreSQL, SQLite 3.35+), else one prepared INSERT (executemany) and a read of the ids."""
    from django.db import connection as conn

    if not items:
        return
    meta = OrcidItem._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = conn.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(quote(meta.db_table), ", ".join(quote(f.column) for f in fields))
    rows = _row_values(fields, items, conn, insert=True)
    # The rows are one unit's items each, unique by (unit, kind, local_id): each id is matched
    # by its key, whatever order the database answers in.
    ids: dict[tuple[int, str], int] = {}
    if conn.features.can_return_rows_from_bulk_insert:
        returning = " RETURNING {}, {}, {}".format(
            quote(meta.pk.column), quote(meta.get_field("unit").column), quote(meta.get_field("local_id").column)
        )
        size = max(1, conn.ops.bulk_batch_size(fields, items))
        with conn.cursor() as cursor:
            for start in range(0, len(rows), size):
                one_row, batch = _values_shared_once(cursor, rows[start:start + size])
                cursor.execute(head + ", ".join([one_row] * len(batch)) + returning,
                               [value for row in batch for value in row])
                ids.update(((unit_id, local_id), pk) for pk, unit_id, local_id in cursor.fetchall())
    else:
        with conn.cursor() as cursor:
            execute_many(cursor, head + "({})".format(", ".join(["%s"] * len(fields))), rows)
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