"""One researcher: plan, take the record's lock, carry out the plan (researcher_sync); and the
withdrawal of everything the institution put on a record (researcher_withdraw_items)."""

from __future__ import annotations

import logging
from typing import Any, Sequence

from django.utils import timezone

from orcid_client.client import default_client
from orcid_client.errors import OrcidError, TokenRevoked, Unavailable

from ..kinds import KINDS
from ..locks import orcid_record_lock
from ..models import OrcidItem, SyncRun
from .counts import SyncCounts
from .execute import ResearcherSync, StopWriting
from .load import researcher_plan
from .mass_change import plan_cap_updates
from .plan import LIVE_STATES, Entry, Mode, Plan, plan_has_calls
from .policy import record_probe_due
from .totals import run_add, run_add_stats

logger = logging.getLogger("putcodes.sync")
State = OrcidItem.State


def connection_of(researcher):
    from connections.models import OrcidConnection

    return OrcidConnection.objects.filter(user=researcher).select_related("user").first()


def researcher_sync(
    *,
    researcher,
    run: SyncRun | None = None,
    run_id: int | None = None,
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
    Adds its counts (and, with its own client, its call counts) to `run`; the rows it writes
    name `run_id` (default: `run`'s), from which the run's totals are counted.

    Never raises for ORCID's answers (they are recorded on the items); raises for database
    or programming errors.
    """
    if unit is not None:
        units = [unit]
    run_id = _run_id(run, run_id)
    counts = SyncCounts()
    if connection is None or plan is None:
        connection = connection_of(researcher)
        plan, planned_at = None, None
    if connection is None:
        return counts
    if plan is None:
        planned_at = timezone.now()
        plan = researcher_plan(researcher=researcher, orcid=connection.orcid, units=units, connection=connection)
    probe = not plan_has_calls(plan) and record_probe_due(plan)
    if not plan_has_calls(plan) and not probe:
        counts.add_plan_without_calls(plan)
        run_add(run, counts, researcher_done=True)
        return counts
    own_client = client is None
    client = client or default_client(own_stats=True)
    try:
        usable = _record_probe(connection, client) if probe else True
        if not usable:
            counts.add_plan_without_calls(plan)
        else:
            # After a probe the plan is made again under the lock (the record is active now).
            _sync_locked(
                researcher, connection, client, counts, units, plan, None if probe else planned_at, lock_wait, run_id
            )
    finally:
        if own_client:
            run_add_stats(run, client)
    run_add(run, counts, researcher_done=True)
    return counts


def _run_id(run: SyncRun | None, run_id: int | None) -> int | None:
    return run_id if run_id is not None or run is None else run.pk


def _record_probe(connection, client) -> bool:
    """One read of a record that ORCID refused (locked, deactivated, deprecated): the whole
    cost of such a record in a run. Usable again: the connection turns active (its items are
    then written, their data untouched); still refused: the connection keeps (or updates) its
    state. Never raises for ORCID's answers."""
    from connections.services import connection_record_probe

    kind = next(iter(KINDS.values()))
    return connection_record_probe(connection=connection, call=lambda token: kind.read(client, connection.orcid, token))


def _sync_locked(researcher, connection, client, counts, units, plan, planned_at, lock_wait, run_id=None) -> None:
    with orcid_record_lock(connection.orcid, wait=lock_wait) as taken:
        if not taken:
            logger.info("ORCID record %s is being written by another worker; skipped", connection.orcid)
            counts.add_plan_without_calls(plan)
            return
        seen = connection.updated_at
        connection.refresh_from_db()
        # The plan made before the lock stands only if nobody touched this researcher's
        # ledger (or connection) since it was read: another writer would have.
        fresh = (
            planned_at is not None and connection.updated_at == seen
            and not OrcidItem.objects.filter(researcher=researcher, updated_at__gte=planned_at).exists()
        )
        if not fresh:
            plan = researcher_plan(researcher=researcher, orcid=connection.orcid, units=units, connection=connection)
        plan_cap_updates(plan, run_id=run_id)  # ORCID_MAX_UPDATES_PER_RUN: a mass change spread over runs
        ResearcherSync(
            researcher=researcher, connection=connection, client=client, counts=counts, units=units, run_id=run_id
        ).run(plan)


def researcher_withdraw_items(*, researcher, client=None) -> int:
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
    connection = connection_of(researcher)
    if connection is None:
        return 0
    live = OrcidItem.objects.filter(
        researcher=researcher, orcid=connection.orcid, put_code__isnull=False, state__in=LIVE_STATES
    )
    unknown = list(OrcidItem.objects.filter(researcher=researcher, orcid=connection.orcid, state=State.OUTCOME_UNKNOWN))
    if not live.exists() and not unknown:
        return 0
    sync = ResearcherSync(
        researcher=researcher, connection=connection, client=client or default_client(), counts=SyncCounts(), units=None
    )
    with orcid_record_lock(connection.orcid, wait=30.0) as taken:
        if not taken:
            raise Unavailable(None, None, "Another sync is writing to this ORCID record; try again in a minute.")
        if sync.mode == Mode.FULL and unknown:
            _reconcile_unknown(sync, unknown)
        # Read the ledger again: reconciling may have found more on the record.
        removed, failure = _delete_all(sync, list(live))
    if failure is not None:
        raise failure
    return removed


def _reconcile_unknown(sync: ResearcherSync, unknown: list[OrcidItem]) -> None:
    by_kind: dict[str, list[Entry]] = {}
    for item in unknown:
        kind = KINDS[item.kind]
        by_kind.setdefault(item.kind, []).append(Entry(kind, getattr(item, kind.fk), item, item.attempted_hash))
    for kind_name, entries in by_kind.items():
        sync.reconcile(KINDS[kind_name], entries, count=False)


def _delete_all(sync: ResearcherSync, items: list[OrcidItem]) -> tuple[int, OrcidError | None]:
    counts = sync.counts
    removed = 0
    failure: OrcidError | None = None
    for item in items:
        before = counts.deleted + counts.skipped
        try:
            sync.delete(Entry(KINDS[item.kind], None, item))
        except StopWriting:
            raise TokenRevoked(401, None, "ORCID refused the token even for deletions.", oauth_error="invalid_token")
        if counts.deleted + counts.skipped > before:
            removed += 1
        elif failure is None and item.state != State.ERROR:
            failure = Unavailable(item.last_error_status, item.last_error_code, item.last_error_message)
    return removed, failure
