"""Employments as an item kind of the sync (ORCID's /employment section, one per call)."""

from __future__ import annotations

from ..models import OrcidItem
from . import ItemKind, register


def _employments(researcher_ids, units):
    from employments.models import Employment

    qs = Employment.objects.filter(researcher_id__in=researcher_ids).order_by("id")
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs


def _employment_eligible(employment) -> bool:
    from employments.eligibility import employment_eligibility

    return employment_eligibility(employment).eligible


def _employments_eligible_q():
    from employments.eligibility import employments_eligible_q

    return employments_eligible_q()


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


def _employment_key(employment) -> list[str]:
    # Affiliations carry no `self` identifier, so ORCID has no duplicate rule for them: an
    # employment is recognised by what identifies it on the record (our source, the
    # department, the role and the start date).
    from employments.orcid_serialization import employment_fields

    fields = employment_fields(employment)
    return [_norm(fields["department-name"]), _norm(fields["role-title"]), _fuzzy(fields["start-date"])]


def _employment_match_sent(key, summaries, client_id: str) -> int | None:
    if not key:
        return None
    wanted = tuple(key)
    for summary in summaries:
        if not summary.is_from_client(client_id):
            continue
        have = (_norm(summary.department_name), _norm(summary.role_title), summary.start_date or "")
        if have == wanted:
            return summary.put_code
    return None


EMPLOYMENT = register(ItemKind(
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
    match_key=_employment_key,
    match_sent=_employment_match_sent,
    eligible_q=_employments_eligible_q,
    order=20,
))
