"""Funding as an item kind of the sync (ORCID's /funding section, one item per call)."""

from __future__ import annotations

from orcid_client.identifiers import normalise_external_id

from ..models import OrcidItem
from . import ItemKind, register

SECTION = "funding"


def _fundings(researcher_ids, units):
    from django.db.models import OuterRef, Subquery

    from connections.models import OrcidConnection
    from funding.models import Funding

    # The researcher's iD goes into the body (the contributor): read along, not once per item.
    orcid = OrcidConnection.objects.filter(user_id=OuterRef("researcher_id")).values("orcid")[:1]
    qs = (
        Funding.objects.filter(researcher_id__in=researcher_ids)
        .annotate(researcher_orcid=Subquery(orcid))
        .order_by("id")
    )
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


def _eligible(funding) -> bool:
    from funding.eligibility import funding_eligibility

    return funding_eligibility(funding).eligible


def _eligible_q():
    from funding.eligibility import fundings_eligible_q

    return fundings_eligible_q()


def _body(funding):
    from funding.orcid_serialization import funding_to_json

    return funding_to_json(funding)


def _hash(funding) -> str:
    from funding.orcid_serialization import funding_content_hash

    return funding_content_hash(funding)


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _key(funding) -> dict:
    # ORCID's duplicate rule (9021): same source and a `self` external id (the grant number)
    # in common. Without a grant number: the same title, type and funder.
    from funding.orcid_serialization import GRANT_NUMBER

    number = (funding.grant_number or "").strip()
    if number:
        return {"grant": normalise_external_id(GRANT_NUMBER, number)}
    return {"title": _norm(funding.title), "type": funding.funding_type, "funder": _norm(funding.funder_name)}


def _match_sent(key, summaries, client_id: str) -> int | None:
    from funding.orcid_serialization import GRANT_NUMBER

    if not key:
        return None
    wanted = key.get("grant", "")
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        if wanted:
            if any(e.type == GRANT_NUMBER and e.normalized == wanted for e in summary.self_ids):
                return summary.put_code
        elif (_norm(summary.title), summary.type, _norm(summary.organization_name)) == (
            key.get("title"), key.get("type"), key.get("funder")
        ):
            return summary.put_code
    return None


FUNDING = register(ItemKind(
    kind=OrcidItem.Kind.FUNDING,
    fk="funding",
    objects=_fundings,
    eligible=_eligible,
    approved_at=lambda funding: funding.approved_at,
    body=_body,
    content_hash=_hash,
    read=lambda client, orcid, token: client.activity_summaries_read(section=SECTION, orcid=orcid, access_token=token),
    create=lambda client, orcid, token, body: client.activity_create(
        section=SECTION, orcid=orcid, access_token=token, body=body
    ),
    update=lambda client, orcid, token, put_code, body: client.activity_update(
        section=SECTION, orcid=orcid, access_token=token, put_code=put_code, body=body
    ),
    delete=lambda client, orcid, token, put_code: client.activity_delete(
        section=SECTION, orcid=orcid, access_token=token, put_code=put_code
    ),
    match_key=_key,
    match_sent=_match_sent,
    eligible_q=_eligible_q,
    order=40,
))
