"""The kinds of item the sync writes (works, employments), each described once.

The sync engine (putcodes.services) knows nothing about works or employments: it asks the
kind how to list a researcher's items, whether one may be written, its body and content
hash, which client calls write it, and how to recognise it among the items ORCID lists
(to reconcile a lost answer or a 409). A new kind is one more `ItemKind` in `KINDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from django.db.models import QuerySet

from orcid_client.identifiers import SELF_TYPES, normalise_external_id

from .models import OrcidItem


@dataclass(frozen=True)
class ItemKind:
    """How the sync handles one kind of item.

    - `kind`: the `OrcidItem.Kind` value; `fk`: the ledger's foreign key to the local object.
    - `objects(researcher_ids, units)`: every local object of these researchers (eligible or
      not, removed ones included); `units` None means all units. The engine attaches each
      object's `unit` from one cached read of the units.
    - `eligible(obj)`: whether it may be on ORCID now (the unit being paused is not a reason).
    - `approved_at(obj)`: when the researcher last said yes (None: never explicitly), to
      write again an item the researcher deleted on ORCID only after a newer approval.
    - `body(obj)` and `content_hash(obj)`: what is written, and its hash.
    - `read(client, orcid, token)`, `create`, `update`, `delete`: the client's calls;
      `create_bulk` when ORCID has a bulk endpoint for the kind (works: ≤ 100 per call).
    - `match(obj, summaries, client_id)`: the put-code of the summary (from our client)
      that is this object, or None.
    """

    kind: str
    fk: str
    objects: Callable[[Any, Sequence[Any] | None], QuerySet]
    eligible: Callable[[Any], bool]
    approved_at: Callable[[Any], datetime | None]
    body: Callable[[Any], Any]
    content_hash: Callable[[Any], str]
    read: Callable[..., list]
    create: Callable[..., int]
    update: Callable[..., None]
    delete: Callable[..., None]
    match: Callable[[Any, Iterable[Any], str], int | None]
    create_bulk: Callable[..., list] | None = None
    bulk_limit: int = 100


# ---------------------------------------------------------------------------------------------
# Works
# ---------------------------------------------------------------------------------------------

def _works(researcher_ids, units):
    from works.models import Work

    qs = Work.objects.filter(researcher_id__in=researcher_ids).order_by("id")
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


def _work_eligible(work) -> bool:
    from works.eligibility import work_eligibility

    return work_eligibility(work).eligible


def _work_body(work):
    from works.orcid_serialization import work_to_json

    return work_to_json(work)


def _work_hash(work) -> str:
    from works.orcid_serialization import work_content_hash

    return work_content_hash(work)


def work_self_ids(work) -> set[tuple[str, str]]:
    """The work's `self` identifiers, normalised as ORCID compares them."""
    ids = set()
    for eid in work.external_ids or []:
        if eid.get("relationship") == "self" and eid.get("type") in SELF_TYPES and eid.get("value"):
            ids.add((eid["type"], normalise_external_id(eid["type"], str(eid["value"]))))
    return ids


def _work_match(work, summaries, client_id: str) -> int | None:
    # ORCID's own duplicate rule (9021): same source, a `self` identifier in common.
    wanted = work_self_ids(work)
    if not wanted:
        return None
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        if wanted & {(e.type, e.normalized) for e in summary.self_ids}:
            return summary.put_code
    return None


WORK = ItemKind(
    kind=OrcidItem.Kind.WORK,
    fk="work",
    objects=_works,
    eligible=_work_eligible,
    approved_at=lambda work: work.approved_at,
    body=_work_body,
    content_hash=_work_hash,
    read=lambda client, orcid, token: client.works_read(orcid=orcid, access_token=token),
    create=lambda client, orcid, token, body: client.work_create(orcid=orcid, access_token=token, body=body),
    update=lambda client, orcid, token, put_code, body: client.work_update(
        orcid=orcid, access_token=token, put_code=put_code, body=body
    ),
    delete=lambda client, orcid, token, put_code: client.work_delete(orcid=orcid, access_token=token, put_code=put_code),
    match=_work_match,
    create_bulk=lambda client, orcid, token, bodies: client.works_create_bulk(
        orcid=orcid, access_token=token, bodies=bodies
    ),
)


# ---------------------------------------------------------------------------------------------
# Employments
# ---------------------------------------------------------------------------------------------

def _employments(researcher_ids, units):
    from employments.models import Employment

    qs = Employment.objects.filter(researcher_id__in=researcher_ids).order_by("id")
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


def _employment_eligible(employment) -> bool:
    from employments.eligibility import employment_eligibility

    return employment_eligibility(employment).eligible


def _employment_body(employment):
    from employments.orcid_serialization import employment_to_json

    return employment_to_json(employment)


def _employment_hash(employment) -> str:
    from employments.orcid_serialization import employment_content_hash

    return employment_content_hash(employment)


def _fuzzy(parts) -> str:
    return "-".join(value for _, value in parts) if parts else ""


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _employment_match(employment, summaries, client_id: str) -> int | None:
    # Affiliations carry no `self` identifier, so ORCID has no duplicate rule for them: an
    # employment is recognised by what identifies it on the record (our source, the
    # department, the role and the start date).
    from employments.orcid_serialization import employment_fields

    fields = employment_fields(employment)
    wanted = (_norm(fields["department-name"]), _norm(fields["role-title"]), _fuzzy(fields["start-date"]))
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        have = (_norm(summary.department_name), _norm(summary.role_title), summary.start_date or "")
        if have == wanted:
            return summary.put_code
    return None


EMPLOYMENT = ItemKind(
    kind=OrcidItem.Kind.EMPLOYMENT,
    fk="employment",
    objects=_employments,
    eligible=_employment_eligible,
    approved_at=lambda employment: employment.approved_at,
    body=_employment_body,
    content_hash=_employment_hash,
    read=lambda client, orcid, token: client.employments_read(orcid=orcid, access_token=token),
    create=lambda client, orcid, token, body: client.employment_create(orcid=orcid, access_token=token, body=body),
    update=lambda client, orcid, token, put_code, body: client.employment_update(
        orcid=orcid, access_token=token, put_code=put_code, body=body
    ),
    delete=lambda client, orcid, token, put_code: client.employment_delete(
        orcid=orcid, access_token=token, put_code=put_code
    ),
    match=_employment_match,
)

# Works first: they are what researchers watch for; the order is also the order of writing.
KINDS: dict[str, ItemKind] = {WORK.kind: WORK, EMPLOYMENT.kind: EMPLOYMENT}


def kind_get(kind: str) -> ItemKind:
    return KINDS[kind]
