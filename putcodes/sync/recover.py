"""Recovery after an unknown outcome (a lost answer, a crash, a killed worker): what the record
says about the writes the ledger left in flight, matched against what was *sent* (the row's
`sent_match`), never against the item's current data, so a committed write is always adopted
(and then updated to the current data by the normal plan).

- A POST in flight (`outcome_unknown`): found on the record by its `sent_match` → its put-code
  is recorded with the hash of what was sent (`item_mark_found`); not found → pending again.
- A DELETE in flight (`in_flight="delete"`): its put-code still on the record → the DELETE did
  not happen (the flag is cleared); gone → it did: `withdrawn`, never `deleted_on_orcid`.

A mixin of `putcodes.sync.execute.ResearcherSync` (it uses its token handling and counts).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from orcid_client.errors import OrcidError, RecordUnusable, TokenRevoked

from ..kinds import ItemKind
from ..models import OrcidItem
from . import ledger
from .counts import error_note
from .load import researcher_plan
from .plan import Entry, Mode, Plan


class StopWriting(Exception):
    """Nothing more can be written for this researcher in this run."""


def sent_key(kind: ItemKind, entry: Entry):
    """The match key the item was sent with (the ledger's `sent_match`); for a row written
    before the ledger kept it, the object's current key."""
    item = entry.item
    if item is not None and item.sent_match is not None:
        return item.sent_match
    return kind.match_key(entry.obj) if entry.obj is not None else None


class Recovery:
    def _reconcile_first(self, plan: Plan) -> Plan | None:
        if self.mode != Mode.FULL:
            self.counts.skipped += plan.writes
            return None
        kinds = {e.kind.kind: e.kind for e in plan.unknown}
        self.found_ids: set[int] = set()
        # Writes in flight of several kinds: the whole record in one read (GET /activities).
        self._record = self._activities_read() if len(kinds) > 1 else None
        try:
            for kind in kinds.values():
                if self.reconcile(kind, [e for e in plan.unknown if e.kind is kind], count=False) is None:
                    # The record could not be read: nothing else is written until it can be.
                    self.counts.failed += plan.writes
                    return None
        finally:
            self._record = None
        # The record is known again: plan afresh.
        plan = researcher_plan(researcher=self.researcher, orcid=self.orcid, units=self.units, connection=self.connection)
        # What was just found (counted created) and now needs nothing is not also "unchanged".
        planned = {e.item.pk for e in plan.creates + plan.updates + plan.deletes + plan.unknown if e.item is not None}
        plan.unchanged = max(0, plan.unchanged - len(self.found_ids - planned))
        return plan

    def _find_duplicate(self, kind: ItemKind, entry: Entry):
        """The put-code of our item on the record that ORCID says this one duplicates (None:
        none found; False: the record could not be read, the item is left for later)."""
        try:
            summaries = self.with_token(lambda token: kind.read(self.client, self.orcid, token))
        except StopWriting:
            self.back_to_pending([entry])
            self.counts.skipped += 1
            return False
        except (TokenRevoked, RecordUnusable) as error:
            self.back_to_pending([entry])
            self.counts.skipped += 1
            self._cannot_read(error)
            return False
        except OrcidError as error:
            self.back_to_pending([entry], error)
            self.counts.failed += 1
            return False
        taken = self.owned_put_codes(kind, exclude=entry.item.pk)
        # ORCID compares what it was just sent: the object's current key.
        summaries = [s for s in summaries if s.put_code not in taken]
        return kind.match_sent(kind.match_key(entry.obj), summaries, self.client.client_id)

    def _cannot_read(self, error: OrcidError) -> None:
        """A read refused for the token or the record: recorded on the connection; no more
        calls to the record in this run."""
        if isinstance(error, RecordUnusable):
            self.record_refused(error, stop=False)
        else:
            self.revoked(error)

    def owned_put_codes(self, kind: ItemKind, *, exclude: int | None = None) -> set[int]:
        qs = OrcidItem.objects.filter(orcid=self.orcid, kind=kind.kind, put_code__isnull=False)
        if exclude is not None:
            qs = qs.exclude(pk=exclude)
        return set(qs.values_list("put_code", flat=True))

    _record: dict | None = None  # the record's sections, read once for a reconcile of several kinds

    def _activities_read(self) -> dict | None:
        """Every section of the record in one call, or None (each kind is then read on its own,
        which also reports why a read failed)."""
        try:
            return self.with_token(lambda token: self.client.activities_read(orcid=self.orcid, access_token=token))
        except (StopWriting, OrcidError):
            return None

    def _summaries(self, kind: ItemKind) -> list:
        if self._record is not None and kind.kind in self._record:
            return self._record[kind.kind]
        return self.with_token(lambda token: kind.read(self.client, self.orcid, token))

    def reconcile(self, kind: ItemKind, entries: list[Entry], *, count: bool) -> list[Entry] | None:
        """Learn from the record which of `entries` (writes in flight: POSTs whose answer was
        lost, DELETEs left by a dead process) happened.

        Returns the POSTs not found (pending again), or None when the record could not be read
        (the items stay as they are, to be reconciled first next run)."""
        try:
            summaries = self._summaries(kind)
        except StopWriting:
            return None
        except (TokenRevoked, RecordUnusable) as error:
            self._cannot_read(error)
            return None
        except OrcidError as error:
            self.counts.errors.append(error_note(None, error, self.researcher))
            if count:
                self.counts.failed += len(entries)
            return None
        deletes = [e for e in entries if e.item is not None and e.item.in_flight == OrcidItem.InFlight.DELETE]
        posts = [e for e in entries if e not in deletes]
        if deletes:
            self._settle_deletes(deletes, {s.put_code for s in summaries})
        ids = [e.item.pk for e in posts if e.item is not None and e.item.pk]
        taken = self.owned_put_codes(kind) - set(
            OrcidItem.objects.filter(pk__in=ids).exclude(put_code__isnull=True).values_list("put_code", flat=True)
        )
        return self._match_lost(kind, posts, summaries, taken)

    def _settle_deletes(self, entries: list[Entry], on_record: set[int]) -> None:
        """DELETEs of ours in flight: still on the record → not done (the plan decides again);
        gone → done, `withdrawn` (the portal's own deletion, never the researcher's)."""
        now = timezone.now()
        with transaction.atomic():
            for entry in entries:
                item = entry.item
                if item.put_code in on_record:
                    ledger.item_mark_delete_undone(item, now=now)
                    ledger.rows_update([item], ["in_flight", "updated_at"])
                else:  # counted here: the run that sent it died or counted it as failed
                    ledger.item_mark_withdrawn(item, now=now, run_id=self.run_id)
                    ledger.rows_update([item], ledger.RESULT_FIELDS + ["attempts", "withdrawn_at"])
                    self.counts.deleted += 1

    def _match_lost(self, kind: ItemKind, entries: list[Entry], summaries, taken: set[int]) -> list[Entry]:
        now = timezone.now()
        missing: list[Entry] = []
        with transaction.atomic():
            for entry in entries:
                item = entry.item
                mine = [s for s in summaries if s.put_code not in taken]
                put_code = kind.match_sent(sent_key(kind, entry), mine, self.client.client_id)
                if put_code is not None:
                    # Created by this run as far as anyone knows: the run that sent it died, or
                    # counted it as failed (its totals then and this run's add up to what ORCID got).
                    taken.add(put_code)
                    ledger.item_mark_found(item, put_code=put_code, now=now, run_id=self.run_id, counted=True)
                    item.save()
                    self.counts.created += 1
                    getattr(self, "found_ids", set()).add(item.pk)
                else:
                    ledger.item_mark_pending(item, forget_put_code=True, now=item.updated_at)
                    item.save()
                    missing.append(entry)
        return missing
