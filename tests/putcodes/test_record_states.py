"""ORCID's record states and token errors through a whole sync, over HTTP against the simulator
(issue 12): a locked, deactivated or deprecated record costs at most one call per run and its
items wait, unchanged, until the record is usable; a token ORCID reports expired is refreshed
and the run goes on; ORCID's token endpoint failing never revokes a connection."""

from __future__ import annotations

import pytest
import requests

from connections.models import OrcidConnection
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync
from putcodes.sync.plan import RecordState, reason_record
from putcodes.sync.policy import Outcome, outcome_of, record_probe_due
from orcid_client import errors

pytestmark = pytest.mark.django_db

State = OrcidItem.State
S = OrcidConnection.Status


def _set_state(sync_env, orcid: str, state: str, primary: str | None = None) -> None:
    answer = requests.put(f"{sync_env.url}/_simulator/records/{orcid}/state",
                          json={"state": state, **({"primary": primary} if primary else {})}, timeout=10)
    assert answer.status_code in (200, 201, 204), answer.text


def _calls_for(sync_env, orcid: str) -> list[dict]:
    return [c for c in sync_env.simulator.calls() if orcid in str(c.get("path", ""))]


def _works_on_orcid(sync_env, orcid: str) -> list[dict]:
    return sync_env.orcid_works(orcid)


def test_a_locked_record_costs_one_call_its_items_wait_and_flow_once_unlocked(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    _set_state(sync_env, connection.orcid, "locked")
    sync_env.simulator.clear_calls()

    counts = researcher_sync(researcher=researcher)
    assert len(_calls_for(sync_env, connection.orcid)) <= 1
    connection.refresh_from_db()
    assert connection.status == S.LOCKED
    items = list(OrcidItem.objects.filter(researcher=researcher))
    assert items and all(i.state == State.PENDING for i in items)  # waiting, not refused
    assert counts.created == 0 and counts.skipped == 3

    # A second run while still locked: one probe read at most, no write.
    sync_env.simulator.clear_calls()
    researcher_sync(researcher=researcher)
    calls = _calls_for(sync_env, connection.orcid)
    assert len(calls) <= 1 and all(c["method"] == "GET" for c in calls)

    _set_state(sync_env, connection.orcid, "active")
    hashes = {w.pk: w.updated_at for w in researcher.works.all()}
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 3
    connection.refresh_from_db()
    assert connection.status == S.ACTIVE
    assert len(_works_on_orcid(sync_env, connection.orcid)) == 3
    assert {w.pk: w.updated_at for w in researcher.works.all()} == hashes  # no change to the data
    assert set(OrcidItem.objects.filter(researcher=researcher).values_list("state", flat=True)) == {State.ON_ORCID}


def test_updates_to_a_locked_record_wait_on_orcid_and_are_not_blocked(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    for work in researcher.works.all():
        work.title = f"{work.title} (revised)"
        work.save()
    _set_state(sync_env, connection.orcid, "locked")
    sync_env.simulator.clear_calls()
    researcher_sync(researcher=researcher)
    assert len(_calls_for(sync_env, connection.orcid)) == 1
    assert set(OrcidItem.objects.filter(researcher=researcher).values_list("state", flat=True)) == {State.ON_ORCID}
    _set_state(sync_env, connection.orcid, "active")
    counts = researcher_sync(researcher=researcher)
    assert counts.updated == 2


def test_a_deprecated_record_names_the_primary_tells_the_researcher_and_then_costs_one_call(
    sync_env, mailoutbox, django_capture_on_commit_callbacks
):
    researcher, connection = sync_env.researcher(works=2)
    researcher.email = "ada@example.org"
    researcher.save()
    primary = sync_env.new_record()
    _set_state(sync_env, connection.orcid, "deprecated", primary["orcid"])
    sync_env.simulator.clear_calls()
    with django_capture_on_commit_callbacks(execute=True):
        researcher_sync(researcher=researcher)
    assert len(_calls_for(sync_env, connection.orcid)) <= 1
    connection.refresh_from_db()
    assert connection.status == S.DEPRECATED
    assert connection.primary_orcid == primary["orcid"]
    told = [m for m in mailoutbox if primary["orcid"] in m.body]
    assert len(told) == 1 and told[0].to == ["ada@example.org"]

    sync_env.simulator.clear_calls()
    with django_capture_on_commit_callbacks(execute=True):
        researcher_sync(researcher=researcher)
    assert len(_calls_for(sync_env, connection.orcid)) <= 1
    assert len([m for m in mailoutbox if primary["orcid"] in m.body]) == 1  # told once


def test_a_token_orcid_reports_expired_early_is_refreshed_and_the_run_goes_on(sync_env):
    researcher, connection = sync_env.researcher(works=3)
    old = connection.access_token
    sync_env.simulator.expire_token(old)
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 3
    connection.refresh_from_db()
    assert connection.status == S.ACTIVE and connection.access_token != old
    assert len(_works_on_orcid(sync_env, connection.orcid)) == 3


def test_server_error_from_the_token_endpoint_leaves_the_connection_active_and_the_next_run_succeeds(
    sync_env, settings
):
    settings.ORCID_MAX_RETRIES = 1
    researcher, connection = sync_env.researcher(works=2)
    sync_env.simulator.expire_token(connection.access_token)
    answer = requests.put(f"{sync_env.url}/_simulator/token-faults", json={"count": 10, "status": 401}, timeout=10)
    assert answer.status_code in (200, 201, 204), answer.text
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 0
    connection.refresh_from_db()
    assert connection.status == S.ACTIVE
    assert not connection.events.filter(kind="revoked").exists()
    assert set(OrcidItem.objects.filter(researcher=researcher).values_list("state", flat=True)) <= {State.PENDING}

    requests.delete(f"{sync_env.url}/_simulator/token-faults", timeout=10)
    counts = researcher_sync(researcher=researcher)
    assert counts.created == 2
    connection.refresh_from_db()
    assert connection.status == S.ACTIVE


# The policy, one row per kind of answer -------------------------------------------------------

@pytest.mark.parametrize("error, outcome", [
    (errors.Invalid(400, 9001, "bad"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.Forbidden(403, 9014, "no"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.NotSource(403, 9010, "no"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.InsufficientScope(403, 9038, "no"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.Conflict(409, 9999, "no"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.Duplicate(409, 9021, "dup"), Outcome.BLOCK_UNTIL_CHANGED),
    (errors.Unavailable(500, None, "down"), Outcome.RETRY_NEXT_RUN),
    (errors.Unavailable(None, None, "timeout"), Outcome.RETRY_NEXT_RUN),
    (errors.RateLimited(503, None, "slow down"), Outcome.RETRY_NEXT_RUN),
    (errors.OutcomeUnknown(None, None, "lost"), Outcome.RETRY_NEXT_RUN),
    (errors.RecordLocked(409, 9018, "locked"), Outcome.WAIT_ON_RECORD),
    (errors.RecordDeactivated(409, 9044, "deactivated"), Outcome.WAIT_ON_RECORD),
    (errors.RecordDeprecated(301, 9007, "merged"), Outcome.WAIT_ON_RECORD),
    (errors.RecordNotClaimed(409, 9036, "unclaimed"), Outcome.WAIT_ON_RECORD),
    (errors.TokenRevoked(401, None, "invalid_token"), Outcome.TOKEN),
    (errors.TokenExpired(401, None, "Access token expired"), Outcome.TOKEN),
])
def test_each_answer_has_one_outcome(error, outcome):
    assert outcome_of(error) == outcome


@pytest.mark.parametrize("state, due", [
    (RecordState.LOCKED, True), (RecordState.DEACTIVATED, True), (RecordState.DEPRECATED, True),
])
def test_a_probe_is_due_only_for_items_waiting_on_the_record(state, due):
    from putcodes.sync.plan import Plan

    assert record_probe_due(Plan(skipped=2, skip_reasons={reason_record(state): 2})) is due
    assert record_probe_due(Plan(skipped=2, skip_reasons={"unit paused": 2})) is False
    assert record_probe_due(Plan()) is False


def test_the_reconcile_sees_a_record_locked_and_usable_again(sync_env):
    from putcodes.reconcile import researcher_reconcile

    researcher, connection = sync_env.researcher(works=2)
    researcher_sync(researcher=researcher)
    _set_state(sync_env, connection.orcid, "locked")
    result = researcher_reconcile(researcher=researcher)
    assert result.skipped == "ORCID record locked" and not result.deleted_on_orcid
    connection.refresh_from_db()
    assert connection.status == S.LOCKED
    assert set(OrcidItem.objects.filter(researcher=researcher).values_list("state", flat=True)) == {State.ON_ORCID}
    _set_state(sync_env, connection.orcid, "active")
    result = researcher_reconcile(researcher=researcher)
    assert not result.skipped and result.reads == 1
    connection.refresh_from_db()
    assert connection.status == S.ACTIVE


def test_a_deactivated_record_waits_with_one_read_per_run_and_a_reactivated_one_asks_to_reconnect(sync_env):
    researcher, connection = sync_env.researcher(works=2)
    _set_state(sync_env, connection.orcid, "deactivated")
    researcher_sync(researcher=researcher)
    connection.refresh_from_db()
    assert connection.status == S.DEACTIVATED  # ORCID disabled the token: its state, not a revocation
    assert set(OrcidItem.objects.filter(researcher=researcher).values_list("state", flat=True)) <= {State.PENDING}

    sync_env.simulator.clear_calls()
    researcher_sync(researcher=researcher)
    calls = _calls_for(sync_env, connection.orcid)
    assert len(calls) == 1 and calls[0]["method"] == "GET"
    connection.refresh_from_db()
    assert connection.status == S.DEACTIVATED

    # Reactivated: ORCID does not revive the disabled tokens, so the researcher must connect again.
    _set_state(sync_env, connection.orcid, "active")
    researcher_sync(researcher=researcher)
    connection.refresh_from_db()
    assert connection.status == S.REVOKED
