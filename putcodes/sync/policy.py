"""The retry policy of the sync, in one place: what each of ORCID's answers means for the item.

Four outcomes (docs/ARCHITECTURE.md, "ORCID's errors", lists every error with its source):
- `BLOCK_UNTIL_CHANGED`: ORCID refused this content (400s, 403s, 409s other than the record's
  own state): the same body is not sent again; a change of the item (or "retry failed
  items", or for a missing scope a new connection) sends it again.
- `RETRY_NEXT_RUN`: ORCID failed, not the item (5xx, 503/429 after the client's retries,
  timeouts, a lost answer): the item is left as it was and the next run sends it again.
- `WAIT_ON_RECORD`: ORCID refuses the record itself (locked 9018, deactivated 9044,
  deprecated 301/9007, not claimed 9036): the item is left as it was, nothing more is sent
  to the record this run, the connection shows the state, and later runs probe the record
  with one read until it is usable again; then the items flow with no change to their data.
- `TOKEN`: 401 invalid_token: the token is refreshed once and the call sent again
  (connections.services.connection_token_refused); refused again, the connection is revoked.

`outcome_of` is a pure function of the error; the executor (putcodes.sync.execute) carries
out what it says.
"""

from __future__ import annotations

from orcid_client.errors import OutcomeUnknown, RecordUnusable, TokenRevoked, Unavailable


class Outcome:
    BLOCK_UNTIL_CHANGED = "block_until_changed"
    RETRY_NEXT_RUN = "retry_next_run"
    WAIT_ON_RECORD = "wait_on_record"
    TOKEN = "token"

    ALL = (BLOCK_UNTIL_CHANGED, RETRY_NEXT_RUN, WAIT_ON_RECORD, TOKEN)


# Most specific first: RecordUnusable is a Conflict, TokenExpired a TokenRevoked,
# RateLimited an Unavailable.
_POLICY: tuple[tuple[type[BaseException], str], ...] = (
    (RecordUnusable, Outcome.WAIT_ON_RECORD),
    (TokenRevoked, Outcome.TOKEN),
    (Unavailable, Outcome.RETRY_NEXT_RUN),
    (OutcomeUnknown, Outcome.RETRY_NEXT_RUN),
)


def outcome_of(error: BaseException) -> str:
    """What ORCID's `error` means for the item it was about (one of `Outcome`)."""
    for cls, outcome in _POLICY:
        if isinstance(error, cls):
            return outcome
    return Outcome.BLOCK_UNTIL_CHANGED


def waits_on_record(error: BaseException) -> bool:
    return outcome_of(error) == Outcome.WAIT_ON_RECORD


def record_probe_due(plan) -> bool:
    """Whether a run owes the record one probe read: the plan holds items skipped only because
    the record is locked, deactivated or deprecated (a record with nothing owed costs no call;
    the daily reconcile finds it usable again then)."""
    from .plan import RecordState, reason_record

    return any(plan.skip_reasons.get(reason_record(state)) for state in RecordState.ALL if state != RecordState.ACTIVE)
