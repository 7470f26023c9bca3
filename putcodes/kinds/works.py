"""Works as an item kind of the sync (ORCID's /works section; bulk creation ≤ 100 per call)."""

from __future__ import annotations

from orcid_client.identifiers import SELF_TYPES, normalise_external_id

from ..models import OrcidItem
from . import ItemKind, register


def _works(researcher_ids, units):
    from works.models import Work

    qs = Work.objects.filter(researcher_id__in=researcher_ids).order_by("id")
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


def _work_eligible(work) -> bool:
    from works.eligibility import work_eligibility

    return work_eligibility(work).eligible


def _works_eligible_q():
    from works.eligibility import works_eligible_q

    return works_eligible_q()


def _work_body(work):
    from works.orcid_serialization import work_to_json

    return work_to_json(work)


def _work_hash(work) -> str:
    from works.orcid_serialization import work_content_hash

    return work_content_hash(work)


# Bump when the work's body may change for the same data (putcodes.sync.fingerprint).
WORK_SERIALISER_VERSION = "work-json-1"


def _work_fingerprint_version() -> str:
    from works.orcid_serialization import _orcid_host

    # Contributor iDs are written on the ORCID host in use: a setting the body depends on.
    return f"{WORK_SERIALISER_VERSION}|{_orcid_host()}"


def _work_body_hash(work):
    from works.orcid_serialization import payload_content_hash, payload_to_json, work_payload

    # One payload for both; its hash is content_hash(body), taken without walking the body.
    payload = work_payload(work)
    return payload_to_json(payload), payload_content_hash(payload)  # what work_content_hash hashes


def work_self_ids(work) -> set[tuple[str, str]]:
    """The work's `self` identifiers, normalised as ORCID compares them."""
    ids = set()
    for eid in work.external_ids or []:
        if eid.get("relationship") == "self" and eid.get("type") in SELF_TYPES and eid.get("value"):
            ids.add((eid["type"], normalise_external_id(eid["type"], str(eid["value"]))))
    return ids


def _work_key(work) -> list[list[str]]:
    """The work's normalised `self` ids, sorted: what ORCID knows it by."""
    return sorted([list(pair) for pair in work_self_ids(work)])


def _work_match_sent(key, summaries, client_id: str) -> int | None:
    # ORCID's own duplicate rule (9021): same source, a `self` identifier in common.
    wanted = {tuple(pair) for pair in key or []}
    if not wanted:
        return None
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        if wanted & {(e.type, e.normalized) for e in summary.self_ids}:
            return summary.put_code
    return None


WORK = register(ItemKind(
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
    match_key=_work_key,
    match_sent=_work_match_sent,
    create_bulk=lambda client, orcid, token, bodies: client.works_create_bulk(
        orcid=orcid, access_token=token, bodies=bodies
    ),
    eligible_q=_works_eligible_q,
    order=10,
    fingerprint_version=_work_fingerprint_version,
    body_hash=_work_body_hash,
))
