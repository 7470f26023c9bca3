"""The sync of one researcher over the campus API (CONTRACT §4, issue 14):

- `POST /api/v1/researchers/{institutional_id}/sync`: starts a sync (or joins the one that has
  not finished) and answers 202 at once with the run;
- `GET` the same path: the researcher's latest run and its state.

A signed-in researcher reaches only their own institutional ID (anything else is 404); a unit
API key needs `works:curate` and syncs only its unit's items. Audited as every API call.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from connections.serializers import ErrorSerializer
from units.authentication import ScopeRequired, request_api_key
from units.models import ApiKey
from works.api import ERRORS, IID, _researcher

from .background import researcher_latest_run, researcher_sync_request, run_data


class SyncRunSerializer(serializers.Serializer):
    """One researcher's sync run (CONTRACT §4)."""

    id = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(choices=["queued", "running", "finished", "failed"], read_only=True)
    created = serializers.IntegerField(read_only=True, help_text="Items added to the ORCID record.")
    updated = serializers.IntegerField(read_only=True, help_text="Items updated on the record.")
    deleted = serializers.IntegerField(read_only=True, help_text="Items removed from the record.")
    unchanged = serializers.IntegerField(read_only=True)
    failed_items = serializers.IntegerField(read_only=True, help_text="Items ORCID refused or could not take now.")
    started_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null while queued.")
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)
    message = serializers.CharField(read_only=True, help_text="The outcome in words, or why nothing could be written.")


class ResearcherSyncView(APIView):
    permission_classes = [ScopeRequired]
    required_scope = ApiKey.Scope.WORKS_CURATE

    @extend_schema(
        operation_id="researcher_sync_latest",
        summary="The researcher's latest sync run",
        parameters=[IID],
        responses={200: SyncRunSerializer, **ERRORS},
        tags=["sync"],
    )
    def get(self, request, institutional_id: str):
        researcher = _researcher(request, institutional_id)
        run = researcher_latest_run(researcher=researcher)
        if run is None:
            raise NotFound("No sync of this researcher has run yet.")
        return Response(SyncRunSerializer(run_data(run)).data)

    @extend_schema(
        operation_id="researcher_sync_start",
        summary="Start a sync of the researcher's ORCID record",
        description="Answers at once with the run (state queued or running); a run that has not finished is "
        "joined, not doubled. GET the same path to follow it.",
        parameters=[IID],
        request=None,
        responses={202: SyncRunSerializer, 400: OpenApiResponse(ErrorSerializer, description="Not valid."), **ERRORS},
        tags=["sync"],
    )
    def post(self, request, institutional_id: str):
        researcher = _researcher(request, institutional_id)
        api_key = request_api_key(request)
        by = f"API key {api_key.prefix}" if api_key is not None else request.user.get_username()
        run, _ = researcher_sync_request(
            researcher=researcher, triggered_by=by, unit=api_key.unit if api_key is not None else None
        )
        return Response(SyncRunSerializer(run_data(run)).data, status=202)
