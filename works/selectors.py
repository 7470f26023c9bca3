"""Reads for works: a researcher's works with their ORCID state, and what their ORCID record
already holds from other sources.

The state of a work on ORCID combines the eligibility rule (works.eligibility), the
researcher's choice and the PUT-code ledger (putcodes.OrcidItem), whose row says what the
sync's planner makes of it (`OrcidItem.sync_status`, putcodes.status). `work_orcid_status`
says it for one work in Python; `status_q` says the same in SQL (with the eligibility rule's
twin, works.eligibility.works_data_ok_q) so the curation page can filter and count by state
with a fixed number of queries (a test keeps the two in agreement).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet

from orcid_client.identifiers import normalise_external_id

from .eligibility import DATA_REASONS, work_eligibility, works_data_ok_q
from .models import Work

logger = logging.getLogger(__name__)

# How long the curation page trusts its copy of the researcher's ORCID works.
ORCID_RECORD_CACHE_SECONDS = 300
# After a failed read, wait this long before asking ORCID again (a slow ORCID must not make
# every page load wait for a timeout).
ORCID_RECORD_FAILURE_CACHE_SECONDS = 60
PAGE_READ_TIMEOUT_SECONDS = 10.0


class WorkStatus:
    """The `orcid_status` of a work (CONTRACT §4), with the words the page shows."""

    NOT_ELIGIBLE = "not_eligible"
    AWAITING_APPROVAL = "awaiting_approval"
    REJECTED = "rejected"
    PENDING = "pending"
    ON_ORCID = "on_orcid"
    DELETED_ON_ORCID = "deleted_on_orcid"
    ERROR = "error"

    # One vocabulary on every researcher's page (issue 14): the choice is "Add to my ORCID
    # record" / "Keep off my ORCID record"; the states say where the work is, in plain words.
    LABELS = {
        NOT_ELIGIBLE: "Cannot be added yet",
        AWAITING_APPROVAL: "Waiting for your choice",
        REJECTED: "Kept off your ORCID record",
        PENDING: "Will be added at the next sync",
        ON_ORCID: "On your ORCID record",
        DELETED_ON_ORCID: "You deleted it on ORCID",
        ERROR: "ORCID refused it",
    }
    ALL = list(LABELS)


# Ledger states (putcodes.OrcidItem.State values) as plain strings, so this module does not
# depend on the sync's code, only on its data.
_ITEM_ON_ORCID = "on_orcid"
_ITEM_DELETED = "deleted_on_orcid"
_ITEM_ERROR = "error"


def work_orcid_status(work: Work, item=None) -> str:
    """The state of `work` for the researcher, given its ledger row `item` (or None)."""
    eligibility = work_eligibility(work)
    if eligibility.blocked_by_data:
        return WorkStatus.NOT_ELIGIBLE
    if work.approved is None:
        return WorkStatus.AWAITING_APPROVAL
    if work.approved is False:
        return WorkStatus.REJECTED
    if item is None:
        return WorkStatus.PENDING
    # The ledger row asks the sync's planner (pending, on_orcid, deleted_on_orcid, error).
    return item.sync_status(approved_at=work.approved_at)


def _not_eligible_q() -> Q:
    return ~works_data_ok_q()


def status_q(status: str) -> Q:
    """A filter on Work selecting the works whose `work_orcid_status` is `status`."""
    data_ok = works_data_ok_q()
    approved = data_ok & Q(approved=True)
    item_state = "orcid_item__state"
    if status == WorkStatus.NOT_ELIGIBLE:
        return _not_eligible_q()
    if status == WorkStatus.AWAITING_APPROVAL:
        return data_ok & Q(approved__isnull=True)
    if status == WorkStatus.REJECTED:
        return data_ok & Q(approved=False)
    reapproved = Q(orcid_item__deleted_on_orcid_at__isnull=False, approved_at__isnull=False,
                   approved_at__gt=F("orcid_item__deleted_on_orcid_at"))
    if status == WorkStatus.ON_ORCID:
        return approved & Q(**{item_state: _ITEM_ON_ORCID})
    if status == WorkStatus.ERROR:
        return approved & Q(**{item_state: _ITEM_ERROR})
    if status == WorkStatus.DELETED_ON_ORCID:
        return approved & Q(**{item_state: _ITEM_DELETED}) & ~reapproved
    if status == WorkStatus.PENDING:
        return approved & (
            Q(orcid_item__isnull=True)
            | ~Q(**{f"{item_state}__in": [_ITEM_ON_ORCID, _ITEM_ERROR, _ITEM_DELETED]})
            | (Q(**{item_state: _ITEM_DELETED}) & reapproved)
        )
    raise ValueError(f"Unknown status {status!r}")


def works_for_researcher(*, researcher, status: str = "", search: str = "") -> QuerySet[Work]:
    """The researcher's works (with their unit), filtered by state and a search over title,
    subtitle, journal, identifiers and the unit's id."""
    qs = Work.objects.filter(researcher=researcher).select_related("unit")
    if status:
        qs = qs.filter(status_q(status))
    search = (search or "").strip()
    if search:
        term = normalise_external_id("doi", search) if search.lower().startswith(("10.", "doi:", "http")) else search
        qs = qs.filter(
            Q(title__icontains=search) | Q(subtitle__icontains=search) | Q(journal_title__icontains=search)
            | Q(identifiers_text__icontains=term) | Q(local_id__iexact=search)
        )
    return qs


def work_status_counts(*, researcher, search: str = "") -> dict[str, int]:
    """How many of the researcher's works are in each state (one query)."""
    qs = works_for_researcher(researcher=researcher, search=search).order_by()
    aggregates = {status: Count("id", filter=status_q(status)) for status in WorkStatus.ALL}
    counts = qs.aggregate(total=Count("id"), **aggregates)
    return counts


def work_status_counts_of(works: QuerySet[Work]) -> dict[str, int]:
    """For a choice about all of `works`: how many, how many are on ORCID now (a "keep off"
    removes them) and how many could be written (an "add" writes them). One query."""
    return works.order_by().aggregate(
        total=Count("id"),
        on_orcid=Count("id", filter=Q(orcid_item__state=_ITEM_ON_ORCID)),
        writable=Count("id", filter=works_data_ok_q()),
    )


def items_for_works(work_ids: list[int]) -> dict:
    """Ledger rows of these works by work id, in one query. Read through the ledger's relation
    to Work (`orcid_item`): works does not import the sync, a layer above it."""
    ids = [int(i) for i in work_ids]
    if not ids:
        return {}
    ledger = Work._meta.get_field("orcid_item").related_model
    return {item.work_id: item for item in ledger.objects.filter(work_id__in=ids)}


@dataclass
class WorkRow:
    """One work as the page and the API show it."""

    work: Work
    item: object | None
    status: str
    reasons: list[str]
    on_record_from: list[str] = field(default_factory=list)

    @property
    def put_code(self) -> int | None:
        return getattr(self.item, "put_code", None) if self.item is not None else None

    @property
    def error_message(self) -> str:
        return getattr(self.item, "last_error_message", "") if self.item is not None else ""

    @property
    def status_label(self) -> str:
        return WorkStatus.LABELS[self.status]


def work_rows(works: list[Work], *, record: OrcidRecordWorks | None = None) -> list[WorkRow]:
    """Rows for `works` with their ledger state (one query) and marks of works already on the
    ORCID record from other sources."""
    items = items_for_works([w.id for w in works])
    rows = []
    for work in works:
        item = items.get(work.id)
        status = work_orcid_status(work, item)
        eligibility = work_eligibility(work)
        reasons = [r for r, code in zip(eligibility.reasons, eligibility.codes) if code in DATA_REASONS]
        rows.append(WorkRow(work=work, item=item, status=status, reasons=reasons,
                            on_record_from=record.sources_for(work) if record else []))
    return rows


# --------------------------------------------------------------------------------------------
# The researcher's ORCID record
# --------------------------------------------------------------------------------------------
@dataclass
class OrcidRecordWorks:
    """What the researcher's ORCID record holds from sources other than this portal, by
    normalised self identifier. `ok` is False when the record could not be read."""

    ok: bool
    message: str = ""
    other_sources: dict[str, list[str]] = field(default_factory=dict)  # "type:value" -> source names

    def sources_for(self, work: Work) -> list[str]:
        names: list[str] = []
        for ext in work.external_ids or []:
            if ext.get("relationship") != "self":
                continue
            key = f"{ext.get('type')}:{normalise_external_id(ext.get('type', ''), ext.get('value', ''))}"
            for name in self.other_sources.get(key, []):
                if name not in names:
                    names.append(name)
        return names


def _cache_key(orcid: str) -> str:
    return f"works:orcid-record-works:{orcid}"


def orcid_record_works(*, researcher) -> OrcidRecordWorks | None:
    """The works on `researcher`'s ORCID record from other sources (e.g. Crossref), read with
    OrcidClient.works_read and cached for a few minutes per iD. None when the researcher has
    no usable connection. Never raises: a failed read gives `ok=False` and a message."""
    from connections.selectors import connection_for_user

    connection = connection_for_user(user=researcher)
    if connection is None or connection.status != "active" or not connection.orcid:
        return None
    cached = cache.get(_cache_key(connection.orcid))
    if cached is not None:
        return OrcidRecordWorks(**cached)
    result = _read_record(connection)
    timeout = ORCID_RECORD_CACHE_SECONDS if result.ok else ORCID_RECORD_FAILURE_CACHE_SECONDS
    cache.set(_cache_key(connection.orcid), result.__dict__, timeout)
    return result


def orcid_record_works_forget(*, orcid: str) -> None:
    """Drop the cached copy (after the sync changed the record)."""
    cache.delete(_cache_key(orcid))


def _read_record(connection) -> OrcidRecordWorks:
    from connections.services import connection_access_token
    from orcid_client.client import default_client
    from orcid_client.errors import OrcidError

    try:
        token = connection_access_token(connection=connection)
        # A page waits for this read: short timeouts and one retry, not the sync's patience.
        client = default_client(read_timeout=PAGE_READ_TIMEOUT_SECONDS, max_retries=1)
        summaries = client.works_read(orcid=connection.orcid, access_token=token)
    except OrcidError as exc:
        logger.warning("Could not read the ORCID works of %s: %s", connection.orcid, type(exc).__name__)
        return OrcidRecordWorks(ok=False, message=_read_failure_message(exc))
    except Exception:  # the page must still show the researcher's works
        logger.exception("Could not read the ORCID works of %s", connection.orcid)
        return OrcidRecordWorks(ok=False, message=_read_failure_message(None))
    own_client = settings.ORCID_CLIENT_ID
    other: dict[str, list[str]] = {}
    for summary in summaries:
        if summary.is_from_client(own_client):
            continue
        name = summary.source_name or ("you" if summary.source_client_id is None else "another source")
        for ext in summary.self_ids:
            key = f"{ext.type}:{ext.normalized}"
            names = other.setdefault(key, [])
            if name not in names:
                names.append(name)
    return OrcidRecordWorks(ok=True, other_sources=other)


def _read_failure_message(exc) -> str:
    from orcid_client.errors import TokenRevoked

    if isinstance(exc, TokenRevoked):
        return ("ORCID no longer accepts this portal's access to your record, so we cannot show which works are "
                "already there. Connect your ORCID iD again from the dashboard.")
    return ("We could not read your ORCID record just now, so works already on it are not marked. "
            "Try again in a few minutes.")
