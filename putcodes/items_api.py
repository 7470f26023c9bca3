"""`GET /api/v1/researchers/{institutional_id}/items` (CONTRACT §4): every item of every kind
the portal holds for a researcher (works, employment, the six other affiliation sections,
funding), each with its state on ORCID, as DRF pages `{count, next, previous, results}`
(`?limit=`, default 500, at most 5,000; `?offset=`).

A signed-in researcher reaches only their own institutional ID (anything else is 404); a unit
API key needs the `works:curate` scope (the curation scope) and sees its own unit's items.
It lives in putcodes, the layer above every kind (issue 10 layers), because it reads every
kind's table and the ledger's state of each item; it writes nothing. (It used to live in
affiliations, which made a kind import its siblings.)
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from affiliations.eligibility import affiliation_eligibility
from affiliations.models import Affiliation
from affiliations.selectors import affiliation_title
from connections.serializers import ErrorSerializer
from employments.eligibility import employment_eligibility
from employments.models import Employment
from funding.eligibility import funding_eligibility
from funding.models import Funding
from units.authentication import ScopeRequired, request_api_key
from units.models import ApiKey
from units.pagination import ApiPagination
from units.permissions import unit_scoped
from works.selectors import work_rows, works_for_researcher

NOT_FOUND = "No researcher with this institutional ID."
KINDS = ("work", "employment", "education", "qualification", "invited-position", "distinction", "membership",
         "service", "funding")
STATUSES = ("not_eligible", "awaiting_approval", "rejected", "pending", "on_orcid", "deleted_on_orcid", "error")


ItemsPagination = ApiPagination  # the API's one pagination (units/pagination.py)


class ItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.IntegerField(help_text="The item's id among the items of its kind.")
    local_id = serializers.CharField(help_text="The unit's own id of the item.")
    unit = serializers.CharField(help_text="The code of the unit that listed the item.")
    title = serializers.CharField(help_text="A work's or funding's title; an affiliation's role and organisation.")
    approved = serializers.BooleanField(allow_null=True, help_text="The researcher's choice; null until they choose.")
    orcid_status = serializers.ChoiceField(choices=STATUSES)
    put_code = serializers.IntegerField(allow_null=True, help_text="ORCID's put-code, when the item is on ORCID.")


class ItemsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ItemSerializer(many=True)


def item_orcid_status(obj, eligibility, item) -> str:
    """The `orcid_status` of an employment, affiliation or funding given its ledger row."""
    state = getattr(item, "state", "")
    if state in ("on_orcid", "deleted_on_orcid", "error"):
        return state
    if not eligibility.eligible:
        if obj.removed_at is not None:
            return "not_eligible"
        return "rejected" if obj.approved is False else "awaiting_approval"
    return "pending"


def _row(kind: str, obj, title: str, status: str, item) -> dict:
    return {
        "kind": kind, "id": obj.pk, "local_id": obj.local_id, "unit": obj.unit.code, "title": title,
        "approved": obj.approved, "orcid_status": status,
        "put_code": getattr(item, "put_code", None) if item is not None else None,
    }


def _scoped(qs, api_key):
    return unit_scoped(qs, api_key=api_key) if api_key is not None else qs


def researcher_items(*, researcher, api_key=None) -> list[dict]:
    """Every item of the researcher (of the key's unit, for a key), works first. A few queries
    per kind, whatever the count."""
    works = list(_scoped(works_for_researcher(researcher=researcher), api_key).select_related("unit").order_by("id"))
    rows = [_row("work", r.work, r.work.title, r.status, r.item) for r in work_rows(works)]
    others = (
        (Employment, employment_eligibility, lambda o: "employment", affiliation_title),
        (Affiliation, affiliation_eligibility, lambda o: o.section, affiliation_title),
        (Funding, funding_eligibility, lambda o: "funding", lambda o: o.title),
    )
    for model, eligibility_of, kind_of, title_of in others:
        qs = _scoped(model.objects.filter(researcher=researcher), api_key).select_related("unit", "orcid_item")
        for obj in qs.order_by("id"):
            item = getattr(obj, "orcid_item", None)
            rows.append(_row(kind_of(obj), obj, title_of(obj), item_orcid_status(obj, eligibility_of(obj), item), item))
    return rows


def _researcher(request, institutional_id: str):
    institutional_id = institutional_id.strip().lower()
    if request_api_key(request) is None:
        if request.user.get_username().lower() != institutional_id:
            raise NotFound(NOT_FOUND)
        return request.user
    researcher = get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()
    if researcher is None:
        raise NotFound(NOT_FOUND)
    return researcher


class ResearcherItemsView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.WORKS_CURATE

    @extend_schema(
        operation_id="researcher_items_list",
        summary="Every item of every kind the portal holds for a researcher, with its state on ORCID",
        parameters=[
            OpenApiParameter("institutional_id", str, OpenApiParameter.PATH, description="The researcher's institutional ID."),
            OpenApiParameter("limit", int, description="Items per page (default 500, at most 5000)."),
            OpenApiParameter("offset", int, description="Items to skip."),
        ],
        responses={
            200: ItemsPageSerializer,
            401: OpenApiResponse(ErrorSerializer, description="No valid session or API key."),
            403: OpenApiResponse(ErrorSerializer, description="The API key lacks the works:curate scope."),
            404: OpenApiResponse(ErrorSerializer, description="No such researcher (or not yours)."),
        },
        tags=["researchers"],
    )
    def get(self, request, institutional_id: str):
        researcher = _researcher(request, institutional_id)
        rows = researcher_items(researcher=researcher, api_key=request_api_key(request))
        paginator = ItemsPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(page)
