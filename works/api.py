"""The curation API (CONTRACT §4): a researcher's works, and their approval.

- `GET /api/v1/researchers/{institutional_id}/works`
- `PATCH /api/v1/researchers/{institutional_id}/works/{id}` with {"approved": true|false}

A signed-in researcher reaches only their own institutional ID (anything else is 404); a unit
API key needs the `works:curate` scope and reaches the works of its own unit. Every call is
audited by units.middleware.ApiAuditMiddleware.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

# One error shape for the whole API (and one schema component).
from connections.serializers import ErrorSerializer
from units.authentication import ScopeRequired, request_api_key
from units.models import ApiKey
from units.pagination import PAGE_PARAMETERS, ApiPagination, page_serializer
from units.permissions import unit_scoped

from . import selectors, services
from .serializers import WorkApprovalSerializer, WorkSerializer, work_row_data

NOT_FOUND = "No researcher with this institutional ID."
WorksPageSerializer = page_serializer("WorksPage", WorkSerializer)


ERRORS = {
    401: OpenApiResponse(ErrorSerializer, description="No valid session or API key."),
    403: OpenApiResponse(ErrorSerializer, description="The API key lacks the works:curate scope (or CSRF failed)."),
    404: OpenApiResponse(ErrorSerializer, description="No such researcher or work (or not yours)."),
}
IID = OpenApiParameter("institutional_id", str, OpenApiParameter.PATH, description="The researcher's institutional ID.")


def _researcher(request, institutional_id: str):
    """The researcher the call is about, or 404 (for a session: only the signed-in user)."""
    institutional_id = institutional_id.strip().lower()
    if request_api_key(request) is None:
        if request.user.get_username().lower() != institutional_id:
            raise NotFound(NOT_FOUND)
        return request.user
    researcher = get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()
    if researcher is None:
        raise NotFound(NOT_FOUND)
    return researcher


def _works(request, researcher):
    qs = selectors.works_for_researcher(researcher=researcher).order_by("id")
    api_key = request_api_key(request)
    # A unit's key reaches its unit's works only (units own their items).
    return unit_scoped(qs, api_key=api_key) if api_key is not None else qs


class ResearcherWorksView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.WORKS_CURATE

    @extend_schema(
        operation_id="researcher_works_list",
        summary="A researcher's works and their state on ORCID",
        description="Paginated (CONTRACT §4): `{count, next, previous, results}`, `?limit=` (default 500, "
        "at most 5000) and `?offset=`; `next` is the following page's URL.",
        parameters=[IID, *PAGE_PARAMETERS],
        responses={200: WorksPageSerializer, **ERRORS},
        tags=["works"],
    )
    def get(self, request, institutional_id: str):
        researcher = _researcher(request, institutional_id)
        paginator = ApiPagination()
        # One page of works is read (and its ledger rows), not all of the researcher's.
        works = paginator.paginate_queryset(_works(request, researcher), request, view=self)
        return paginator.get_paginated_response([work_row_data(row) for row in selectors.work_rows(works)])


class ResearcherWorkView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.WORKS_CURATE
    # JSON only ({"approved": true|false}, CONTRACT §4): a form's "true" is a string, which the
    # approval refuses, so the OpenAPI document must not offer form bodies.
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="researcher_work_approve",
        summary="Approve or reject one of a researcher's works",
        description="Approving writes the work to ORCID at the next sync when it is eligible (public, with an "
        "identifier ORCID accepts as self). Approving a work the researcher deleted on ORCID makes it "
        "eligible to be written again.",
        parameters=[IID, OpenApiParameter("work_id", int, OpenApiParameter.PATH, description="The work's id.")],
        request=WorkApprovalSerializer,
        responses={200: WorkSerializer, 400: OpenApiResponse(ErrorSerializer, description="Not {\"approved\": true|false}."),
                   **ERRORS,
                   415: OpenApiResponse(ErrorSerializer, description="The body is not application/json.")},
        tags=["works"],
    )
    def patch(self, request, institutional_id: str, work_id):
        researcher = _researcher(request, institutional_id)
        work_id = int(work_id)
        # Ids beyond a 64-bit integer exist in no database: 404, not an overflow.
        work = _works(request, researcher).filter(pk=work_id).first() if 0 < work_id < 2**63 else None
        if work is None:
            raise NotFound("No such work for this researcher.")
        serializer = WorkApprovalSerializer(data=request.data)
        if not serializer.is_valid():
            raise ValidationError(serializer.errors)
        by = request_api_key(request) or request.user
        services.work_set_approval(work=work, approved=serializer.validated_data["approved"], by=by)
        return Response(work_row_data(selectors.work_rows([work])[0]))
