"""The ledger's state machine (putcodes.sync.ledger): one row per transition and starting state,
with the state that follows and the fields the transition owns. No database."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from orcid_client.errors import Forbidden, Unavailable
from putcodes.models import OrcidItem
from putcodes.sync import ledger

S = OrcidItem.State
NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
BEFORE = datetime(2026, 5, 1, tzinfo=timezone.utc)
REFUSAL = Forbidden(403, 9038, "insufficient scope", "ORCID says no")
OUTAGE = Unavailable(503, None, "down")
NO_ERROR = dict(last_error_status=None, last_error_code=None, last_error_message="", last_error_at=None)


def _item(state: str) -> OrcidItem:
    return OrcidItem(
        state=state, orcid="0000-0002-1825-0097", put_code=7, content_hash="h-old", attempted_hash="h-sent",
        attempts=2, written_at=BEFORE, last_error_status=500, last_error_code=None, last_error_message="old",
        last_error_at=BEFORE,
    )


# (name, transition, states it is taken from, state after, fields after)
TRANSITIONS = [
    ("sent", lambda i: ledger.item_mark_sent(i, orcid="0000-0001-5109-3700", content_hash="h-new", now=NOW,
                                             match_key=[["doi", "10.1/x"]]),
     [S.PENDING, S.WITHDRAWN, S.ERROR, S.DELETED_ON_ORCID], S.OUTCOME_UNKNOWN,
     dict(orcid="0000-0001-5109-3700", put_code=None, attempted_hash="h-new", attempts=3, updated_at=NOW,
          sent_match=[["doi", "10.1/x"]], in_flight="create")),
    ("unknown", lambda i: ledger.item_mark_unknown(i, error=OUTAGE, now=NOW),
     [S.OUTCOME_UNKNOWN], S.OUTCOME_UNKNOWN,
     dict(put_code=None, attempted_hash="h-sent", last_error_status=503, last_error_at=NOW)),
    ("written by a POST", lambda i: ledger.item_mark_written(i, content_hash="h-new", put_code=9, now=NOW,
                                                             run_id=5, action="created"),
     [S.OUTCOME_UNKNOWN], S.ON_ORCID,
     dict(put_code=9, content_hash="h-new", attempted_hash="", written_at=NOW, updated_at=NOW, in_flight="",
          last_run_id=5, last_action="created", **NO_ERROR)),
    ("written by a PUT", lambda i: ledger.item_mark_written(i, content_hash="h-new", now=NOW),
     [S.ON_ORCID, S.ERROR], S.ON_ORCID,
     dict(put_code=7, content_hash="h-new", attempted_hash="", written_at=NOW, **NO_ERROR)),
    ("found by reconcile", lambda i: ledger.item_mark_found(i, put_code=11, now=NOW),
     [S.OUTCOME_UNKNOWN], S.ON_ORCID,
     dict(put_code=11, content_hash="h-sent", attempted_hash="", written_at=BEFORE, **NO_ERROR)),
    ("adopted (409)", lambda i: ledger.item_mark_adopted(i, put_code=12),
     [S.OUTCOME_UNKNOWN], S.ON_ORCID, dict(put_code=12, content_hash="", attempted_hash="")),
    ("pending again", lambda i: ledger.item_mark_pending(i, now=NOW),
     [S.OUTCOME_UNKNOWN], S.PENDING, dict(put_code=7, attempted_hash="", updated_at=NOW, last_error_message="old")),
    ("pending, not on the record", lambda i: ledger.item_mark_pending(i, forget_put_code=True, error=OUTAGE, now=NOW),
     [S.OUTCOME_UNKNOWN], S.PENDING, dict(put_code=None, attempted_hash="", last_error_status=503)),
    ("refused", lambda i: ledger.item_mark_refused(i, error=REFUSAL, content_hash="h-new", now=NOW),
     [S.OUTCOME_UNKNOWN, S.ON_ORCID, S.ERROR], S.ERROR,
     dict(attempted_hash="h-new", last_error_status=403, last_error_code=9038, last_error_message="ORCID says no",
          last_error_at=NOW, content_hash="h-old")),
    ("gone (404 / not on the record)", lambda i: ledger.item_mark_gone(i, now=NOW),
     [S.ON_ORCID, S.ERROR], S.DELETED_ON_ORCID,
     dict(deleted_on_orcid_at=NOW, content_hash="", attempted_hash="", put_code=7, **NO_ERROR)),
    ("withdrawn (we deleted it)", lambda i: ledger.item_mark_withdrawn(i, now=NOW, run_id=5),
     [S.ON_ORCID, S.ERROR], S.WITHDRAWN,
     dict(withdrawn_at=NOW, content_hash="", attempted_hash="", attempts=3, in_flight="", last_run_id=5,
          last_action="deleted", **NO_ERROR)),
    ("deleting (a DELETE in flight)", lambda i: ledger.item_mark_deleting(i, now=NOW),
     [S.ON_ORCID, S.ERROR], None, dict(in_flight="delete", put_code=7, content_hash="h-old", updated_at=NOW)),
    ("delete undone (still on the record)",
     lambda i: (setattr(i, "in_flight", "delete"), ledger.item_mark_delete_undone(i, now=NOW)),
     [S.ON_ORCID, S.ERROR], None, dict(in_flight="", put_code=7, content_hash="h-old")),
    ("withdrawn by an earlier run's DELETE",
     lambda i: (setattr(i, "in_flight", "delete"), ledger.item_mark_withdrawn(i, now=NOW, counted=False)),
     [S.ON_ORCID, S.ERROR], S.WITHDRAWN, dict(in_flight="", last_run_id=None, last_action="", withdrawn_at=NOW)),
]

CASES = [
    pytest.param(transition, start, after, fields, id=f"{name} from {start}")
    for name, transition, starts, after, fields in TRANSITIONS
    for start in starts
]


@pytest.mark.parametrize(("transition", "start", "after", "fields"), CASES)
def test_each_transition_sets_the_state_and_its_fields(transition, start, after, fields):
    item = _item(start)
    transition(item)
    assert item.state == (start if after is None else after)  # None: the state stays
    assert {name: getattr(item, name) for name in fields} == fields


def test_a_refusal_without_a_body_hash_still_blocks_a_blind_retry():
    item = _item(S.OUTCOME_UNKNOWN)
    item.attempted_hash = ""
    ledger.item_mark_refused(item, error=REFUSAL, content_hash="")
    assert item.attempted_hash == "refused"


def test_noting_an_error_leaves_the_state_alone():
    item = _item(S.ON_ORCID)
    ledger.item_note_error(item, OUTAGE, now=NOW)
    assert (item.state, item.last_error_status, item.last_error_at) == (S.ON_ORCID, 503, NOW)


def test_the_withdrawn_fields_are_the_reconciles_update():
    item = _item(S.ON_ORCID)
    ledger.item_mark_withdrawn(item, now=NOW, counted=False)
    assert {name: getattr(item, name) for name in ledger.withdrawn_fields(NOW)} == ledger.withdrawn_fields(NOW)


def test_the_gone_fields_are_the_reconciles_update():
    item = _item(S.ON_ORCID)
    ledger.item_mark_gone(item, now=NOW)
    assert {name: getattr(item, name) for name in ledger.gone_fields(NOW)} == ledger.gone_fields(NOW)
