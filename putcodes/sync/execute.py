"""Carrying out a researcher's plan: the ORCID calls, and what each of ORCID's answers means
for the ledger (every change through putcodes.sync.ledger's transitions).

How ORCID's answers are handled (https://info.orcid.org/documentation/api-tutorials/api-tutorial-add-and-update-data-on-an-orcid-record/):
- 404 on PUT/DELETE: the researcher deleted it; `deleted_on_orcid`, not written again
  unless the researcher approves it again after that.
- 409 9021 on create: our client already has it; the put-code is adopted (from the error or
  by matching the normalised `self` identifier in /works), then the item is updated.
- lost POST answer: reconcile by reading the record.
- 401 invalid_token: the token is refreshed once and the call sent again (ORCID says the same
  for a token that ran out early); refused again, the connection turns `revoked`; no more
  creates or updates for the researcher, but deletions still owed are sent (ORCID lets the
  source delete with a token the researcher revoked).
- 403 and 400: recorded on the item with ORCID's message; the same body is not sent again
  (only a change of the item, or "retry failed items", sends it again).
- 5xx, 503 and timeouts: retried with backoff by the client; what still fails is left as it
  was for the next run.
- the record itself refused (locked, deactivated, deprecated, not claimed): the item is left
  as it was, nothing more is sent to the record in this run, and the connection shows the
  state; later runs probe the record with one read (putcodes.sync.researcher).
Which error is which: putcodes.sync.policy, the one place that says it.
"""

from __future__ import annotations

import logging
from typing import Callable

from django.db import transaction
from django.utils import timezone

from connections.services import (
    connection_access_token,
    connection_mark_revoked,
    connection_record_refused,
    connection_token_refused,
)
from orcid_client.errors import (
    Duplicate,
    NotFound,
    OrcidError,
    OutcomeUnknown,
    RecordUnusable,
    TokenRevoked,
    Unavailable,
)

from ..kinds import KINDS, ItemKind
from ..models import OrcidItem
from ..signals import items_changed_on_orcid, items_written
from . import ledger
from .counts import SyncCounts, error_note
from .fingerprint import written_fingerprint
from .load import record_context
from .plan import Entry, Mode, Plan
from .policy import Outcome, outcome_of
from .recover import Recovery, StopWriting

logger = logging.getLogger("putcodes.sync")


def _serialised(kind: ItemKind, entry: Entry):
    """The body to write for `entry`, serialised once: by the planner with its hash (an item
    with a ledger row: the hash decided whether to write it), or here, hash included (a new
    item, whose hash the planner left for the writing thread: `Entry.content_hash` "")."""
    if not entry.content_hash:
        if kind.body_hash is not None:
            entry.body, entry.content_hash = kind.body_hash(entry.obj)
        else:
            entry.content_hash = kind.content_hash(entry.obj)
    return entry.body if entry.body is not None else kind.body(entry.obj)


def _announce_written(items: list[OrcidItem]) -> None:
    """Items were written in bulk (no post_save per row): tell listeners once per batch."""
    items_written.send(sender=OrcidItem, items=items)


class ResearcherSync(Recovery):
    """Carries out one researcher's plan, recording every outcome in the ledger (and, on each
    row it writes, `run_id`: the run's totals are counted from the ledger)."""

    def __init__(self, *, researcher, connection, client, counts: SyncCounts, units, run_id: int | None = None) -> None:
        self.run_id = run_id
        self.researcher = researcher
        self.connection = connection
        self.client = client
        self.counts = counts
        self.units = units
        self.orcid = connection.orcid
        self.mode = record_context(connection).mode
        self._token: str | None = None
        self._delete_token: str | None = None

    # Tokens -----------------------------------------------------------------------------

    def token(self) -> str:
        if self.mode != Mode.FULL:
            raise StopWriting()
        if self._token is None:
            try:
                self._token = connection_access_token(connection=self.connection)
            except TokenRevoked as error:
                self.revoked(error)
                raise StopWriting() from None
            except OrcidError as error:  # ORCID unreachable for the refresh: next run
                self.counts.errors.append(error_note(None, error, self.researcher))
                raise StopWriting() from None
        return self._token

    def delete_token(self) -> str:
        if self.mode == Mode.FULL:
            try:
                return self.token()
            except StopWriting:
                pass  # the token was refused for writing; deletions may still be allowed
        if self.mode == Mode.NONE:
            raise StopWriting()
        if self._delete_token is None:
            try:
                self._delete_token = connection_access_token(connection=self.connection, for_delete=True)
            except TokenRevoked:
                self.mode = Mode.NONE
                raise StopWriting() from None
        return self._delete_token

    def with_token(self, call: Callable[[str], object], *, for_delete: bool = False):
        """`call(token)`; a 401 refreshes the token once and sends the call again (ORCID answers
        alike for a token that ran out early and one that was revoked: only a refused refresh,
        or a refused fresh token, is a revocation, left to the caller's `TokenRevoked`)."""
        token = self.delete_token() if for_delete else self.token()
        try:
            return call(token)
        except TokenRevoked:
            if self.mode != Mode.FULL:
                raise  # a revoked token kept for deletions: a refresh cannot replace it
            return call(self._renewed(token))

    def _renewed(self, refused: str) -> str:
        try:
            self._token = connection_token_refused(connection=self.connection, refused_token=refused)
        except (TokenRevoked, RecordUnusable):
            raise
        except OrcidError as error:  # the token endpoint failed (server_error, 5xx): next run
            self.counts.errors.append(error_note(None, error, self.researcher))
            raise StopWriting() from None
        return self._token

    def record_refused(self, error: RecordUnusable, *, stop: bool = True) -> None:
        """ORCID refuses the record itself: the connection shows it and nothing more is sent to
        the record in this run (the items wait, unchanged, for a run that finds it usable).
        Raises StopWriting unless `stop` is False (the caller has counted its items)."""
        connection_record_refused(connection=self.connection, error=error)
        self.mode = Mode.NONE
        self.counts.errors.append(error_note(None, error, self.researcher))
        if stop:
            raise StopWriting()

    def failed(self, item: OrcidItem, error: OrcidError, content_hash: str) -> None:
        """What ORCID's refusal of a PUT or DELETE means for the item (putcodes.sync.policy)."""
        outcome = outcome_of(error)
        if outcome == Outcome.WAIT_ON_RECORD:
            self.record_refused(error)  # type: ignore[arg-type]
        elif outcome == Outcome.TOKEN:
            self.revoked(error)
            raise StopWriting()
        elif outcome == Outcome.RETRY_NEXT_RUN:
            self.left_for_next_run(item, error)  # a PUT or DELETE is idempotent: safe to send again
        else:
            self.refused(item, error, content_hash)

    def revoked(self, error: OrcidError) -> None:
        """ORCID said invalid_token: the connection turns revoked; deletions may still go."""
        if self.mode == Mode.FULL:
            connection_mark_revoked(connection=self.connection, reason=ledger.error_message(error)[:500])
            self.connection.refresh_from_db()
            self._delete_token = self._token
            self._token = None
            self.mode = record_context(self.connection).mode
            self.counts.errors.append(error_note(None, error, self.researcher))
        else:
            self.mode = Mode.NONE

    # Outcomes -----------------------------------------------------------------------------

    def note_error(self, item: OrcidItem, error: Exception) -> None:
        ledger.item_note_error(item, error)
        self.counts.errors.append(error_note(item, error, self.researcher))

    def refused(self, item: OrcidItem, error: OrcidError, content_hash: str) -> None:
        """ORCID refused the item (400/403/409 other than ours): record it, do not retry blindly."""
        self.mark_refused(item, error, content_hash)
        item.save()
        self.counts.failed += 1

    def mark_refused(self, item: OrcidItem, error: OrcidError, content_hash: str) -> None:
        ledger.item_mark_refused(item, error=error, content_hash=content_hash)
        self.counts.errors.append(error_note(item, error, self.researcher))

    def left_for_next_run(self, item: OrcidItem, error: Exception) -> None:
        """ORCID could not be reached or answered 5xx after the retries: try again next run."""
        self.note_error(item, error)
        item.save(update_fields=[
            "last_error_status", "last_error_code", "last_error_message", "last_error_at", "updated_at",
        ])
        self.counts.failed += 1

    def gone_on_orcid(self, item: OrcidItem) -> None:
        with transaction.atomic():
            ledger.item_mark_gone(item)
            item.save()
        items_changed_on_orcid.send(sender=OrcidItem, items=[item.pk], change="deleted")
        self.counts.skipped += 1

    def back_to_pending(self, chunk: list[Entry], error: Exception | None = None) -> None:
        """The POST surely did not happen: the items wait for the next run."""
        with transaction.atomic():
            for entry in chunk:
                if error is not None:
                    self.counts.errors.append(error_note(entry.item, error, self.researcher))
                ledger.item_mark_pending(entry.item, error=error)
            ledger.rows_update([e.item for e in chunk], ledger.RESULT_FIELDS)

    # The steps -----------------------------------------------------------------------------

    def run(self, plan: Plan) -> None:
        if plan.unknown:
            plan = self._reconcile_first(plan)
            if plan is None:
                return
        self.counts.unchanged += plan.unchanged
        self.counts.skipped += plan.skipped
        steps = self._steps(plan)
        for index, (step, size) in enumerate(steps):
            try:
                step()
            except StopWriting:
                # This step's items and the rest are owed to a later run (or a reconnect).
                self.counts.skipped += size + sum(n for _, n in steps[index + 1:])
                return

    def _steps(self, plan: Plan) -> list[tuple[Callable[[], None], int]]:
        """(call, number of items) in order: deletions, updates, then creations in chunks."""
        steps: list[tuple[Callable[[], None], int]] = [(lambda e=e: self.delete(e), 1) for e in plan.deletes]
        steps += [(lambda e=e: self.update(e), 1) for e in plan.updates]
        creates_by_kind: dict[str, list[Entry]] = {}
        for entry in plan.creates:
            creates_by_kind.setdefault(entry.kind.kind, []).append(entry)
        for kind_name, entries in creates_by_kind.items():
            kind = KINDS[kind_name]
            size = kind.bulk_limit if kind.create_bulk else 1
            for start in range(0, len(entries), size):
                chunk = entries[start:start + size]
                steps.append((lambda k=kind, c=chunk: self.create(k, c), len(chunk)))
        return steps

    def delete(self, entry: Entry) -> None:
        item, kind = entry.item, entry.kind
        # A DELETE left in flight by a dead process or a lost answer: ours, whatever comes back.
        resumed = item.in_flight == OrcidItem.InFlight.DELETE
        if not resumed:
            self.delete_token()  # no usable token: nothing is marked, nothing sent
            with transaction.atomic():  # committed before the DELETE is sent
                ledger.item_mark_deleting(item)
                ledger.rows_update([item], ["in_flight", "updated_at"])
        try:
            self.with_token(lambda token: kind.delete(self.client, self.orcid, token, item.put_code), for_delete=True)
        except NotFound:
            if not resumed:
                self.gone_on_orcid(item)
                return
            # else: our DELETE of an earlier attempt did happen: withdrawn, as below.
        except TokenRevoked as error:
            # Even a deletion is refused: the token is dead for everything.
            if self.mode == Mode.FULL:
                self.revoked(error)
            self.mode = Mode.NONE
            raise StopWriting() from None
        except OrcidError as error:
            self.failed(item, error, item.content_hash)
            return
        ledger.item_mark_withdrawn(item, run_id=self.run_id)
        ledger.rows_update([item], ledger.RESULT_FIELDS + ["attempts", "withdrawn_at"])
        self.counts.deleted += 1

    def update(self, entry: Entry, *, adopted: bool = False) -> None:
        item, kind = entry.item, entry.kind
        body = _serialised(kind, entry)
        try:
            self.with_token(lambda token: kind.update(self.client, self.orcid, token, item.put_code, body))
        except NotFound:
            self.gone_on_orcid(item)
            return
        except OrcidError as error:
            self.failed(item, error, entry.content_hash)
            return
        item.attempts += 1
        ledger.item_mark_written(
            item, content_hash=entry.content_hash, match_key=kind.match_key(entry.obj), run_id=self.run_id,
            action=OrcidItem.Action.CREATED if adopted else OrcidItem.Action.UPDATED,
            fingerprint=written_fingerprint(entry.fingerprint, entry.content_hash),
        )
        # Without signals: an update is not news to anyone listening for first writes.
        ledger.rows_update([item], ledger.RESULT_FIELDS + ["attempts"])
        if adopted:
            self.counts.created += 1
        else:
            self.counts.updated += 1

    # Creations --------------------------------------------------------------------------

    def mark_sent(self, kind: ItemKind, chunk: list[Entry]) -> None:
        """Before a POST: the items are `outcome_unknown` with the hash of what is sent, so a
        crash before its answer is recorded leaves a trail for the next run to reconcile."""
        now = timezone.now()
        with transaction.atomic():
            existing = self._rows_of_missing(kind, [entry for entry in chunk if entry.item is None])
            new: list[OrcidItem] = []
            old: list[OrcidItem] = []
            for entry in chunk:
                if entry.item is None:
                    obj = entry.obj
                    item = existing.get((obj.unit_id, obj.local_id))
                    if item is None:
                        item = ledger.item_new(unit=obj.unit, kind=kind.kind, local_id=obj.local_id,
                                               researcher=self.researcher, fk=kind.fk, obj=obj)
                    else:
                        item.researcher = self.researcher
                        setattr(item, kind.fk, obj)
                    entry.item = item
                ledger.item_mark_sent(
                    entry.item, orcid=self.orcid, content_hash=entry.content_hash,
                    match_key=kind.match_key(entry.obj), now=now,
                )
                (old if entry.item.pk else new).append(entry.item)
            if new:
                ledger.rows_insert(new)
            if old:
                ledger.rows_update(old, ledger.MARK_FIELDS + [kind.fk, "researcher"])

    @staticmethod
    def _rows_of_missing(kind: ItemKind, missing: list[Entry]) -> dict[tuple[int, str], OrcidItem]:
        # A row of the item may exist under another researcher (the unit moved the item to
        # someone else): the unit's item has one row, reused.
        if not missing:
            return {}
        found = ledger.rows_of_items(kind.kind, [(e.obj.unit_id, e.obj.local_id) for e in missing])
        if not found:  # as on a first push: no row to build
            return {}
        return {(item.unit_id, item.local_id): item for item in OrcidItem.objects.filter(pk__in=found)}

    def _post(self, kind: ItemKind, token: str, bodies: list) -> list:
        """The POST (bulk when the kind has it): one result per body, a put-code or an error."""
        if kind.create_bulk:
            return kind.create_bulk(self.client, self.orcid, token, bodies)
        try:
            return [kind.create(self.client, self.orcid, token, bodies[0])]
        except (OutcomeUnknown, Unavailable, TokenRevoked, RecordUnusable):
            raise
        except OrcidError as error:  # per-item refusals come back like a bulk's
            return [error]

    def create(self, kind: ItemKind, chunk: list[Entry], *, attempt: int = 1) -> None:
        self.token()  # before marking anything sent: no usable token, nothing is sent
        bodies = [_serialised(kind, entry) for entry in chunk]
        self.mark_sent(kind, chunk)
        try:
            results = self.with_token(lambda token: self._post(kind, token, bodies))
        except StopWriting:
            self.back_to_pending(chunk)
            raise
        except OutcomeUnknown as error:
            self._answer_lost(kind, chunk, error, attempt)
        except OrcidError as error:
            self._create_failed(chunk, error)
        else:
            self._record_results(kind, chunk, results)

    def _create_failed(self, chunk: list[Entry], error: OrcidError) -> None:
        """ORCID answered the whole POST with an error: what it means, per putcodes.sync.policy."""
        outcome = outcome_of(error)
        if outcome == Outcome.WAIT_ON_RECORD:
            self.back_to_pending(chunk)  # a refused POST made nothing
            self.record_refused(error)  # type: ignore[arg-type]
        elif outcome == Outcome.TOKEN:
            self.back_to_pending(chunk)
            self.revoked(error)
            raise StopWriting()
        elif outcome == Outcome.RETRY_NEXT_RUN:  # 5xx, 503 or no answer after the retries
            self.back_to_pending(chunk, error)
            self.counts.failed += len(chunk)
            self.counts.errors.append(error_note(None, error, self.researcher))
        else:  # ORCID refused the whole call (403 scope, 400): per item
            now = timezone.now()
            for entry in chunk:
                self.mark_refused(entry.item, error, entry.content_hash)
                entry.item.updated_at = now
            with transaction.atomic():
                ledger.rows_update([e.item for e in chunk], ledger.RESULT_FIELDS)
            self.counts.failed += len(chunk)

    def _answer_lost(self, kind: ItemKind, chunk: list[Entry], error: OutcomeUnknown, attempt: int) -> None:
        logger.warning("Lost the answer of a POST to %s (%d item(s)); reconciling", self.orcid, len(chunk))
        self.counts.errors.append(error_note(None, error, self.researcher))
        for entry in chunk:
            ledger.item_mark_unknown(entry.item, now=entry.item.updated_at)  # as marked before the POST
        missing = self.reconcile(kind, chunk, count=True)
        if missing and attempt < 2:
            # The record says these were not created: sending them again cannot duplicate.
            self.create(kind, missing, attempt=attempt + 1)
        elif missing:
            self.counts.failed += len(missing)

    def _record_results(self, kind: ItemKind, chunk: list[Entry], results: list) -> None:
        duplicates: list[tuple[Entry, Duplicate]] = []
        revoked: OrcidError | None = None
        record_error: RecordUnusable | None = None
        written: list[OrcidItem] = []
        now = timezone.now()
        for entry, result in zip(chunk, results):
            item = entry.item
            item.updated_at = now
            if isinstance(result, int):
                ledger.item_mark_written(
                    item, content_hash=entry.content_hash, put_code=result, now=now,
                    run_id=self.run_id, action=OrcidItem.Action.CREATED,
                    fingerprint=written_fingerprint(entry.fingerprint, entry.content_hash),
                )
                written.append(item)
                self.counts.created += 1
            elif isinstance(result, Duplicate):
                duplicates.append((entry, result))
            elif isinstance(result, TokenRevoked):
                revoked = result
                ledger.item_mark_pending(item, now=now)
                self.counts.skipped += 1
            elif isinstance(result, RecordUnusable):
                record_error = result
                ledger.item_mark_pending(item, now=now)
                self.counts.skipped += 1
            elif isinstance(result, Unavailable):
                ledger.item_mark_pending(item, error=result, now=now)
                self.counts.errors.append(error_note(item, result, self.researcher))
                self.counts.failed += 1
            else:
                self.mark_refused(item, result, entry.content_hash)
                self.counts.failed += 1
        # Put-codes saved in one transaction with the outcome they came with.
        with transaction.atomic():
            # sent_match was saved with the mark (before the POST) and is unchanged since.
            ledger.rows_update(
                [e.item for e, r in zip(chunk, results) if not isinstance(r, Duplicate)], ledger.CREATE_RESULT_FIELDS
            )
        if written:
            _announce_written(written)
        if revoked is not None:
            self.revoked(revoked)
        if record_error is not None:
            for entry, _duplicate in duplicates:
                self.back_to_pending([entry])
            self.counts.skipped += len(duplicates)
            self.record_refused(record_error, stop=False)
            return
        for entry, duplicate in duplicates:
            self.adopt(kind, entry, duplicate)

    def adopt(self, kind: ItemKind, entry: Entry, duplicate: Duplicate) -> None:
        """409 9021: our client already has this item on the record. Adopt its put-code
        (never make a second one), then write our current body over it."""
        item = entry.item
        put_code = duplicate.put_code
        if put_code is None:
            put_code = self._find_duplicate(kind, entry)
            if put_code is False:
                return
        if put_code is None:
            self.refused(item, duplicate, entry.content_hash)
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
            self.refused(item, duplicate, entry.content_hash)
            return
        with transaction.atomic():
            ledger.item_mark_adopted(item, put_code=put_code)
            item.save()
        try:
            self.update(entry, adopted=True)
        except StopWriting:
            self.counts.skipped += 1  # adopted; our body is written over it next run
