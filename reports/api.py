"""The reports API (CONTRACT §4):

- `GET /api/v1/reports/adoption[?unit=CODE][&format=csv]`: keys with `reports:read`, and
  staff (signed in) for their own units (superusers: any). The report holds counts only.
- `GET /api/v1/researchers/{institutional_id}/orcid-works`: keys with `orcid:read` (a signed-in
  researcher: their own); the works on the record as ORCID lists them now, every source,
  paginated. Every call is audited by units.middleware.ApiAuditMiddleware.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from connections.serializers import ErrorSerializer
from orcid_client.errors import OrcidError, TokenRevoked
from units.authentication import ScopeRequired, request_api_key
from units.models import ApiKey, Unit
from units.permissions import user_unit_ids

from .formats import report_csv
from .pagination import ApiPagination
from .selectors import adoption_report

NOT_FOUND = "No researcher with this institutional ID."


class CsvRenderer(renderers.BaseRenderer):
    """`?format=csv`: the view hands over the CSV text; errors are still JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, str):
            return data.encode("utf-8")
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return renderers.JSONRenderer().render(data)


class Conflict(APIException):
    status_code = 409
    default_detail = "The researcher's ORCID record cannot be read."


class OrcidUnavailable(APIException):
    status_code = 503
    default_detail = "ORCID could not be reached; try again later."


def _report_units(request, code: str | None):
    """The units the caller asks for and may see (None: the whole institution)."""
    unit = None
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise NotFound("No unit with this code.")
    if request_api_key(request) is not None:
        return [unit] if unit else None
    if not request.user.is_staff:
        raise PermissionDenied("The adoption report is for unit staff and API keys with reports:read.")
    allowed = user_unit_ids(request.user)
    if allowed is None:
        return [unit] if unit else None
    if unit is not None:
        if unit.pk not in allowed:
            raise NotFound("No unit with this code.")
        return [unit]
    return list(Unit.objects.filter(pk__in=allowed))


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="The request is not valid (e.g. a NUL byte in it)."),
    401: OpenApiResponse(ErrorSerializer, description="No valid session or API key."),
    403: OpenApiResponse(ErrorSerializer, description="The credentials may not use this call."),
    404: OpenApiResponse(ErrorSerializer, description="No such unit, researcher or format."),
}


class AdoptionReportView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.REPORTS_READ
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="reports_adoption",
        summary="The adoption report: per department, per unit and in total",
        parameters=[
            # A unit code is a slug (units.Unit.code): said here, so the schema admits no NUL byte or
            # other text the portal refuses before the view (the API is fuzzed against this document).
            OpenApiParameter("unit", {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,32}$"}, OpenApiParameter.QUERY,
                             required=False, description="Only this unit's researchers and items (a unit code)."),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv: the same rows as CSV."),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR, **ERRORS},
        tags=["reports"],
    )
    def get(self, request):
        units = _report_units(request, request.query_params.get("unit"))
        report = adoption_report(units=units)
        if request.accepted_renderer.format == "csv":
            return Response(report_csv(report), content_type="text/csv; charset=utf-8")
        return Response(report)


class OrcidWorkSerializer(serializers.Serializer):
    """One work on the record (schema only: the view passes ORCID's summary as a dict)."""

    put_code = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.CharField()
    publication_date = serializers.CharField()
    journal_title = serializers.CharField()
    visibility = serializers.CharField()
    path = serializers.CharField()
    source = serializers.DictField()
    external_ids = serializers.ListField(child=serializers.DictField())


class OrcidWorksPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    orcid = serializers.CharField()
    results = OrcidWorkSerializer(many=True)


def _researcher(request, institutional_id: str):
    institutional_id = institutional_id.strip().lower()
    if request_api_key(request) is None and request.user.get_username().lower() != institutional_id:
        raise NotFound(NOT_FOUND)
    researcher = get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()
    if researcher is None:
        raise NotFound(NOT_FOUND)
    return researcher


class ResearcherOrcidWorksView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.ORCID_READ

    @extend_schema(
        operation_id="researcher_orcid_works_list",
        summary="The works on a researcher's ORCID record, every source, as ORCID lists them now",
        parameters=[
            OpenApiParameter("institutional_id", str, OpenApiParameter.PATH),
            OpenApiParameter("limit", int, description="Works per page (default 500, at most 5000)."),
            OpenApiParameter("offset", int, description="Works to skip."),
        ],
        responses={
            200: OrcidWorksPageSerializer, **ERRORS,
            409: OpenApiResponse(ErrorSerializer, description="No active ORCID connection, or ORCID refused it."),
            503: OpenApiResponse(ErrorSerializer, description="ORCID could not be reached."),
        },
        tags=["researchers"],
    )
    def get(self, request, institutional_id: str):
        from .orcid_works import NoOrcidAccess, orcid_works_read

        researcher = _researcher(request, institutional_id)
        try:
            record = orcid_works_read(researcher=researcher)
        except NoOrcidAccess as error:
            raise Conflict(str(error))
        except TokenRevoked:
            raise Conflict("ORCID no longer accepts the portal's access to this record.")
        except OrcidError:
            raise OrcidUnavailable()
        paginator = ApiPagination()
        page = paginator.paginate_queryset(record.works, request, view=self)
        response = paginator.get_paginated_response(page)
        response.data["orcid"] = record.orcid
        return response
