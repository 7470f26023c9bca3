"""The six affiliation sections beyond employment (education, qualification, invited-position,
distinction, membership, service) as item kinds of the sync: one `ItemKind` per section, all
on `affiliations.Affiliation` (filtered by its `section`) and the ledger's `affiliation` key.
ORCID has no bulk endpoint for affiliations: one call per item."""

from __future__ import annotations

from ..models import OrcidItem
from . import ItemKind, register

SECTIONS = (
    OrcidItem.Kind.EDUCATION,
    OrcidItem.Kind.QUALIFICATION,
    OrcidItem.Kind.INVITED_POSITION,
    OrcidItem.Kind.DISTINCTION,
    OrcidItem.Kind.MEMBERSHIP,
    OrcidItem.Kind.SERVICE,
)


def _objects(section: str):
    def objects(researcher_ids, units):
        from affiliations.models import Affiliation

        qs = Affiliation.objects.filter(researcher_id__in=researcher_ids, section=section).order_by("id")
        if units is not None:
            qs = qs.filter(unit__in=units)
        return qs

    return objects


def _eligible(affiliation) -> bool:
    from affiliations.eligibility import affiliation_eligibility

    return affiliation_eligibility(affiliation).eligible


def _eligible_q():
    from affiliations.eligibility import affiliations_eligible_q

    return affiliations_eligible_q()


def _body(affiliation):
    from affiliations.orcid_serialization import affiliation_to_json

    return affiliation_to_json(affiliation)


def _hash(affiliation) -> str:
    from affiliations.orcid_serialization import affiliation_content_hash

    return affiliation_content_hash(affiliation)


def _norm(text: str) -> str:
    return " ".join((text or "").split()).casefold()


def _fuzzy(parts) -> str:
    return "-".join(value for _, value in parts) if parts else ""


def _key(affiliation) -> list[str]:
    # Affiliations carry no `self` identifier ORCID matches by: one is recognised by our
    # source, its section (the kind), department, role, start date and organisation's name.
    from affiliations.orcid_serialization import affiliation_body

    body = affiliation_body(affiliation)
    return [_norm(body.department), _norm(body.role_title), _fuzzy(body.start), _norm(body.organization.name),
            str(affiliation.section)]


def _match_sent(key, summaries, client_id: str) -> int | None:
    if not key:
        return None
    wanted = tuple(key[:4])
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        have = (_norm(summary.department_name), _norm(summary.role_title), summary.start_date or "",
                _norm(summary.organization_name))
        if have == wanted:
            return summary.put_code
    return None


def _kind(section: str, order: int) -> ItemKind:
    value = str(section)
    return ItemKind(
        kind=value,
        fk="affiliation",
        objects=_objects(value),
        eligible=_eligible,
        approved_at=lambda affiliation: affiliation.approved_at,
        body=_body,
        content_hash=_hash,
        read=lambda client, orcid, token: client.activity_summaries_read(
            section=value, orcid=orcid, access_token=token
        ),
        create=lambda client, orcid, token, body: client.activity_create(
            section=value, orcid=orcid, access_token=token, body=body
        ),
        update=lambda client, orcid, token, put_code, body: client.activity_update(
            section=value, orcid=orcid, access_token=token, put_code=put_code, body=body
        ),
        delete=lambda client, orcid, token, put_code: client.activity_delete(
            section=value, orcid=orcid, access_token=token, put_code=put_code
        ),
        match_key=_key,
        match_sent=_match_sent,
        eligible_q=_eligible_q,
        order=order,
    )


AFFILIATION_KINDS = {section: register(_kind(section, 30 + index)) for index, section in enumerate(SECTIONS)}
