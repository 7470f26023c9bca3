"""Writes for works: the import upsert and the researcher's approvals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import ConsentEvent
from accounts.services import actor_label, consent_record
from units.models import Unit

from .importers import Entry, WorkData
from .models import Work

# Fields an import owns: a re-import may change these, never the researcher's choices.
IMPORTED_FIELDS = (
    "title", "subtitle", "work_type", "publication_year", "publication_month", "publication_day", "journal_title",
    "short_description", "external_ids", "url", "contributors", "citation", "citation_type", "public",
)
IMPORT_BATCH_SIZE = 1000
# Rejected rows kept in memory for the report; the count goes on beyond it.
MAX_REPORTED_ERRORS = 10000


@dataclass(frozen=True)
class RowOutcome:
    where: str
    local_id: str
    outcome: str  # created, updated, unchanged, rejected
    reason: str = ""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    researchers_created: int = 0
    errors: list[RowOutcome] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} rejected={self.rejected}"
        )


def _batches(entries: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    """Lists of up to `size` entries. When reading the file fails part-way (broken JSON), the
    entries read before the failure are still handed out, then the error is raised."""
    iterator = iter(entries)
    while True:
        batch: list[Entry] = []
        try:
            for entry in islice(iterator, size):
                batch.append(entry)
        except Exception:
            if batch:
                yield batch
            raise
        if not batch:
            return
        yield batch


def works_import(
    *,
    unit: Unit,
    entries: Iterable[Entry],
    on_row: Callable[[RowOutcome], None] | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> ImportResult:
    """Upsert the works of `entries` for `unit`, keyed by (unit, local_id).

    Effects: creates works that are new; updates only the imported fields of works whose data
    changed (the researcher's approval is kept); leaves unchanged works untouched (not even
    `updated_at`); creates researchers (users named by their institutional ID, without a
    usable password) on first sight; brings back works the unit had removed. Entries that
    cannot be imported are rejected with their reason and do not stop the others: an entry
    naming a local_id seen earlier in the file, or a work that belongs to another researcher.
    Works in batches of `batch_size` with bulk queries, each batch in its own transaction, so
    memory stays flat whatever the file's size. `on_row` is called with each outcome.
    """
    result = ImportResult()
    seen: dict[str, str] = {}  # local_id -> where first seen (ids only: a few MB per 100,000 rows)

    def report(outcome: RowOutcome) -> None:
        setattr(result, outcome.outcome, getattr(result, outcome.outcome) + 1)
        if outcome.outcome == "rejected" and len(result.errors) < MAX_REPORTED_ERRORS:
            result.errors.append(outcome)
        if on_row is not None:
            on_row(outcome)

    for batch in _batches(entries, batch_size):
        # Outcomes by position in the batch, reported in the file's order once the batch is saved.
        outcomes: dict[int, RowOutcome] = {}
        valid: list[tuple[int, Entry, WorkData]] = []
        for position, entry in enumerate(batch):
            if entry.data is None:
                outcomes[position] = RowOutcome(entry.where, "", "rejected", entry.error)
                continue
            local_id = entry.data.local_id
            if local_id in seen:
                outcomes[position] = RowOutcome(entry.where, local_id, "rejected",
                                                f"local_id '{local_id}' is also on {seen[local_id]}")
                continue
            seen[local_id] = entry.where
            valid.append((position, entry, entry.data))
        if valid:
            with transaction.atomic():
                outcomes.update(_import_batch(unit=unit, rows=valid, result=result))
        for position in sorted(outcomes):
            report(outcomes[position])
    return result


def _import_batch(*, unit: Unit, rows: list[tuple[int, Entry, WorkData]],
                  result: ImportResult) -> dict[int, RowOutcome]:
    """Save one batch of valid rows; their outcomes by position in the batch."""
    User = get_user_model()
    usernames = {data.institutional_id for _, _, data in rows}
    user_ids = dict(User.objects.filter(username__in=usernames).values_list("username", "id"))
    missing = usernames - user_ids.keys()
    if missing:
        # People the unit names before they ever sign in: they sign in later through the
        # institutional login, so no usable password.
        User.objects.bulk_create(
            [User(username=name, password=make_password(None)) for name in sorted(missing)], ignore_conflicts=True
        )
        user_ids.update(User.objects.filter(username__in=missing).values_list("username", "id"))
        result.researchers_created += len(missing)

    existing = {
        row["local_id"]: row
        for row in Work.objects.filter(unit=unit, local_id__in=[data.local_id for _, _, data in rows]).values(
            "id", "local_id", "researcher_id", "source_hash", "removed_at"
        )
    }
    now = timezone.now()
    to_create: list[Work] = []
    to_update: list[Work] = []
    outcomes: dict[int, RowOutcome] = {}
    for position, entry, data in rows:
        researcher_id = user_ids[data.institutional_id]
        source_hash = data.source_hash()
        current = existing.get(data.local_id)
        if current is None:
            work = Work(unit=unit, researcher_id=researcher_id, local_id=data.local_id, source_hash=source_hash,
                        **{name: _value(data, name) for name in IMPORTED_FIELDS})
            work.refresh_derived_fields()
            to_create.append(work)
            outcomes[position] = RowOutcome(entry.where, data.local_id, "created")
        elif current["researcher_id"] != researcher_id:
            # Moving a work (and its approval) to someone else is never what a re-import means.
            outcomes[position] = RowOutcome(entry.where, data.local_id, "rejected",
                                            f"local_id '{data.local_id}' belongs to another researcher in this unit")
        elif current["source_hash"] == source_hash and current["removed_at"] is None:
            outcomes[position] = RowOutcome(entry.where, data.local_id, "unchanged")
        else:
            work = Work(id=current["id"], unit=unit, researcher_id=researcher_id, local_id=data.local_id,
                        source_hash=source_hash, removed_at=None, updated_at=now,
                        **{name: _value(data, name) for name in IMPORTED_FIELDS})
            work.refresh_derived_fields()
            to_update.append(work)
            outcomes[position] = RowOutcome(entry.where, data.local_id, "updated")
    if to_create:
        Work.objects.bulk_create(to_create)
    if to_update:
        Work.objects.bulk_update(
            to_update,
            [*IMPORTED_FIELDS, "has_self_id", "identifiers_text", "source_hash", "removed_at", "updated_at"],
        )
    return outcomes


def _value(data: WorkData, name: str):
    return data.work_type if name == "work_type" else getattr(data, name)


# --------------------------------------------------------------------------------------------
# Approvals
# --------------------------------------------------------------------------------------------
def _actor_label(by) -> str:
    """Who made a choice, as stored in `approved_by`: a username, or the API key that acted."""
    return actor_label(by)


def _via(by) -> str:
    """How the choice was made: through the campus API (a unit key acting for the researcher)
    or on the researcher's own page."""
    if getattr(by, "api_key", None) is not None or (hasattr(by, "prefix") and hasattr(by, "unit_id")):
        return ConsentEvent.Via.API
    return ConsentEvent.Via.PAGE


def work_set_approval(*, work: Work, approved: bool, by) -> Work:
    """Record the researcher's choice for `work`: `approved` True writes it to ORCID (when
    eligible), False keeps it off (and the sync removes it if it is there).

    Approving always sets `approved_at` to now, even for a work already approved: a work the
    researcher deleted on ORCID is written again only if approved after that deletion.
    `by` is the user or API key (or a label) that made the choice. Returns the work."""
    if not isinstance(approved, bool):
        raise TypeError("approved must be True or False")
    work.approved = approved
    work.approved_by = _actor_label(by)
    update_fields = ["approved", "approved_by", "updated_at"]
    if approved:
        work.approved_at = timezone.now()
        update_fields.append("approved_at")
    work.save(update_fields=update_fields)
    consent_record(items=[work], kind="work", approved=approved, by=by, via=_via(by))
    return work


def works_set_approval(*, researcher, work_ids: Iterable[int], approved: bool, by) -> int:
    """The same choice for many of `researcher`'s works at once (one UPDATE, whatever the count).

    Ids of works that are not the researcher's are ignored. Returns how many works changed."""
    if not isinstance(approved, bool):
        raise TypeError("approved must be True or False")
    now = timezone.now()
    values = {"approved": approved, "approved_by": _actor_label(by), "updated_at": now}
    if approved:
        values["approved_at"] = now
    chosen = Work.objects.filter(researcher=researcher, id__in=list(work_ids))
    works = list(chosen.only("id", "researcher_id", "unit_id", "local_id"))
    changed = chosen.update(**values)
    consent_record(items=works, kind="work", approved=approved, by=by, via=_via(by))
    return changed
