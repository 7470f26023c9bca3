"""Reconcile: read a researcher's ORCID record and bring the ledger in line with what the
researcher did there (the webhook's work, and the periodic fallback for missed callbacks).

- An item the ledger has on ORCID whose put-code is no longer on the record was deleted by
  the researcher: it becomes `deleted_on_orcid` and the sync does not write it again unless
  the researcher approves it again after that (putcodes.sync.plan). Unless a DELETE of ours was
  in flight for it (`in_flight="delete"`, left by a crash or a lost answer): then it is
  `withdrawn`, the portal's own deletion, written again when it is eligible again.
- The visibility ORCID reports is recorded on each item (the researcher may hide an item
  without deleting it; it is theirs to do, and the portal only shows it).
- The curation page's cached copy of the record ("already on your ORCID record") is dropped,
  so the page reads the record afresh.

Only reads are sent to ORCID: ONE per record, `GET /v3.0/{orcid}/activities`, which holds
every section (works, the seven affiliation sections, funding), and none for a researcher with
nothing on ORCID. The ledger is then brought in line with a few conditional UPDATEs (one per
state read and change found), not one per row. So the reconcile does not take the record's write lock (putcodes.locks): holding it
would make a sync that meets it skip the researcher until the next run. It is safe beside a
running sync because the ledger is read before ORCID is and each change is a conditional
UPDATE on the state read: an item the sync creates meanwhile is not in the snapshot, so it
is never taken for a deleted one, and an item the sync deletes meanwhile ends `withdrawn`
(the sync's own save comes after ORCID's answer and wins).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone

from orcid_client.client import default_client
from orcid_client.errors import RecordUnusable, TokenRevoked

from .models import OrcidItem
from .sync.ledger import items_mark_gone, items_mark_withdrawn

logger = logging.getLogger("putcodes.reconcile")

State = OrcidItem.State
# Items whose put-code is live on ORCID as far as the ledger knows (an ERROR item with a
# put-code failed an update, but is still there).
LIVE_STATES = (State.ON_ORCID, State.ERROR)
UPDATE_CHUNK = 500  # rows per conditional UPDATE (SQLite's expression depth stays small)


@dataclass
class ReconcileResult:
    deleted_on_orcid: list[int] = field(default_factory=list)  # ledger ids
    visibility_changed: int = 0  # items the researcher made public/limited/private since last read
    reads: int = 0
    skipped: str = ""  # why nothing was read, if nothing was

    def __bool__(self) -> bool:
        return not self.skipped


def curation_cache_clear(*, researcher, orcid: str) -> None:
    """Drop the curation page's cached copy of the record (the works app owns the key), so
    its "already on your ORCID record" marks are read afresh."""
    from works.selectors import orcid_record_works_forget

    orcid_record_works_forget(orcid=orcid)


def researcher_reconcile(*, researcher, client=None) -> ReconcileResult:
    """Read `researcher`'s works and employments on ORCID and update the ledger (see the module).

    Skips (with `result.skipped` saying why) a researcher with no active connection or nothing
    on ORCID. A connection waiting on its record (locked, deactivated, deprecated) is read too:
    a read that works makes it active again (connections.services.connection_call), so its
    items flow at the next sync; one still refused keeps (or updates) its state. When ORCID
    refuses the token (`invalid_token`, after one refresh) the connection is marked revoked
    (which emails the researcher) and nothing else changes. Other `OrcidError`s (ORCID
    unreachable) propagate with the ledger unchanged.
    """
    from connections.models import OrcidConnection
    from connections.selectors import connection_for_user
    result = ReconcileResult()
    connection = connection_for_user(user=researcher)
    if connection is None or connection.status not in (OrcidConnection.Status.ACTIVE, *OrcidConnection.RECORD_STATUSES):
        result.skipped = "no active ORCID connection"
        return result
    orcid = connection.orcid
    # The ledger first, then ORCID (see the module's docstring).
    snapshot = list(
        OrcidItem.objects.filter(researcher=researcher, orcid=orcid, state__in=LIVE_STATES, put_code__isnull=False)
        .values("pk", "kind", "put_code", "state", "visibility", "in_flight")
    )
    kinds = sorted({row["kind"] for row in snapshot})
    if not kinds:
        result.skipped = "nothing on ORCID"
        curation_cache_clear(researcher=researcher, orcid=orcid)
        return result
    on_orcid = _read_record(connection, kinds, client or default_client(), result)
    if on_orcid is None:
        return result
    hidden = _ledger_update(snapshot, on_orcid, result)
    curation_cache_clear(researcher=researcher, orcid=orcid)
    _announce_changes(result.deleted_on_orcid, hidden)
    if result.deleted_on_orcid or result.visibility_changed:
        logger.info(
            "Reconciled %s (%s): %d deleted on ORCID, %d visibility changes",
            researcher.username, orcid, len(result.deleted_on_orcid), result.visibility_changed,
        )
    return result


def _read_record(connection, kinds: list[str], client, result: ReconcileResult) -> dict[str, dict[int, str]] | None:
    """Each kind's put-codes on the record with their visibility, from ONE read of the whole
    record (GET /activities: every section); None (and `result.skipped` says why) when ORCID
    refused the token or the record."""
    from connections.services import connection_call, connection_mark_revoked

    from .reconcile_budget import reconcile_yield

    reconcile_yield()  # writes first: at most its share of the rate limit while a sync runs
    try:
        sections = connection_call(
            connection=connection, call=lambda token: client.activities_read(orcid=connection.orcid, access_token=token)
        )
        result.reads += 1
    except TokenRevoked as error:
        connection_mark_revoked(connection=connection, reason=f"ORCID refused the token while reconciling: {error}")
        result.skipped = "ORCID access revoked"
        return None
    except RecordUnusable as error:  # recorded on the connection by connection_call
        result.skipped = f"ORCID record {error.record_state}"
        return None
    return {kind: {s.put_code: s.visibility for s in sections.get(kind, [])} for kind in kinds}


def _rows_q(rows: list[dict]) -> Q:
    """The rows as read: each by its id AND its put-code (a row the sync rewrote meanwhile with
    a new put-code is left alone)."""
    return reduce(or_, (Q(pk=row["pk"], put_code=row["put_code"]) for row in rows))


def _groups(rows: list[dict], *fields: str):
    """`rows` grouped by the values of `fields`, in chunks small enough for one UPDATE each."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[f] for f in fields)].append(row)
    for key, members in groups.items():
        for start in range(0, len(members), UPDATE_CHUNK):
            yield key, members[start:start + UPDATE_CHUNK]


def _ledger_update(snapshot: list[dict], on_orcid: dict[str, dict[int, str]], result: ReconcileResult) -> list[int]:
    """Bring the rows of `snapshot` in line with the record with a few conditional UPDATEs (one
    per state read and change, whatever the number of rows: the first reconcile of a large
    ledger is not a million single-row UPDATEs); returns the ids the researcher hid."""
    now = timezone.now()
    gone, ours, seen = [], [], []
    for row in snapshot:
        visibility = on_orcid[row["kind"]].get(row["put_code"])
        if visibility is None:
            # A DELETE of ours whose answer was lost (a crash): it happened; ours, not the researcher's.
            (ours if row["in_flight"] == OrcidItem.InFlight.DELETE else gone).append(row)
        elif visibility and visibility != row["visibility"]:
            seen.append({**row, "seen": visibility})
    for (state, in_flight), rows in _groups(ours, "state", "in_flight"):
        items_mark_withdrawn(OrcidItem.objects.filter(_rows_q(rows), state=state, in_flight=in_flight), now=now)
    for (state, in_flight), rows in _groups(gone, "state", "in_flight"):
        # As the sync records a 404 (putcodes.services): nothing known is on ORCID any more.
        matched = OrcidItem.objects.filter(_rows_q(rows), state=state, in_flight=in_flight)
        ids = list(matched.values_list("pk", flat=True))
        if ids and items_mark_gone(matched, now=now):
            result.deleted_on_orcid.extend(ids)
    return _visibility_update(seen, result, now)


def _visibility_update(rows: list[dict], result: ReconcileResult, now) -> list[int]:
    hidden: list[int] = []
    for (state, before, after), members in _groups(rows, "state", "visibility", "seen"):
        updated = OrcidItem.objects.filter(_rows_q(members), state=state, visibility=before).update(
            visibility=after, updated_at=now
        )
        # The first reading of an item's visibility is not a change the researcher made.
        if before:
            result.visibility_changed += updated
            if updated and after != "public":
                hidden.extend(row["pk"] for row in members)
    return hidden


def _announce_changes(deleted: list[int], hidden: list[int]) -> None:
    """Tell listeners (unit events) what the researcher deleted or hid on ORCID."""
    from .signals import items_changed_on_orcid

    for change, ids in (("deleted", deleted), ("hidden", hidden)):
        if ids:
            items_changed_on_orcid.send(sender=OrcidItem, items=list(ids), change=change)


def researchers_to_reconcile(*, slice_: tuple[int, int] | None = None):
    """Ids of researchers with an active connection (or one waiting on its record) and something
    on ORCID: the periodic full reconcile reads their records (a researcher with nothing on
    ORCID costs no call). `slice_=(index, count)`: only those whose id % count == index (one
    run's part of the cycle, putcodes/reconcile_budget.py)."""
    users = get_user_model().objects.all()
    if slice_ is not None and slice_[1] > 1:
        users = users.alias(slot=F("pk") % slice_[1]).filter(slot=slice_[0])
    return (
        users.filter(
            orcid_connection__status__in=["active", "locked", "deactivated", "deprecated"],
            orcid_items__state__in=LIVE_STATES,
            orcid_items__put_code__isnull=False,
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
        .iterator()
    )
