"""The campus token API: `GET /api/v1/researchers/{institutional_id}/orcid` (CONTRACT §4)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from orcid_client.errors import OrcidError, TokenRevoked
from units.audit import api_audit_record
from units.authentication import ScopeRequired, request_api_key
from units.models import ApiKey
from units.services import api_key_may_disclose_token
from units.throttling import TokenDisclosureThrottle

from . import selectors, services
from .models import OrcidConnection
from .serializers import ErrorSerializer, OrcidConnectionSerializer

logger = logging.getLogger(__name__)

NOT_FOUND = "No researcher with this institutional ID."


class ResearcherOrcidView(APIView):
    permission_classes = [ScopeRequired]
    # Token disclosures are rate limited per key (API_TOKEN_DISCLOSURE_RATE): a leaked key
    # cannot empty the store in one go.
    throttle_classes = [TokenDisclosureThrottle]
    # Any unit key may read the connection state (the iD is public on ORCID anyway);
    # only `tokens:read` adds the token.
    required_scopes = [choice.value for choice in ApiKey.Scope]

    @extend_schema(
        operation_id="researcher_orcid_read",
        summary="A researcher's ORCID iD and connection state",
        description=(
            "A signed-in researcher may read only their own institutional ID (any other answers 404). "
            "A unit API key may read any researcher; with the `tokens:read` scope the answer also carries "
            "the access token, and the read is written to the audit log."
        ),
        responses={
            200: OrcidConnectionSerializer,
            401: OpenApiResponse(ErrorSerializer, description="No valid session or API key."),
            403: OpenApiResponse(ErrorSerializer, description="The credentials may not use this call (or this "
                                 "key may not disclose this researcher's token)."),
            429: OpenApiResponse(ErrorSerializer, description="Too many token disclosures by this key."),
            404: OpenApiResponse(ErrorSerializer, description="No such researcher (or not yours)."),
        },
        tags=["researchers"],
    )
    def get(self, request, institutional_id: str):
        api_key = request_api_key(request)
        # Institutional IDs are lower-case (the SSO backend and the importers fold them), so
        # "ADA" is ada here as in the works API.
        institutional_id = institutional_id.strip().lower()
        if api_key is None and request.user.get_username().lower() != institutional_id:
            # A researcher sees only their own; others' existence is not revealed.
            raise NotFound(NOT_FOUND)
        researcher = selectors.researcher_by_institutional_id(institutional_id=institutional_id)
        if researcher is None:
            raise NotFound(NOT_FOUND)
        connection = selectors.connection_for_user(user=researcher)
        data = _connection_data(institutional_id=researcher.get_username(), connection=connection)
        if api_key is not None and api_key.has_scope(ApiKey.Scope.TOKENS_READ):
            if not api_key_may_disclose_token(api_key=api_key, researcher=researcher):
                raise PermissionDenied("This API key may not disclose the tokens of this researcher "
                                       "(it is limited to named units or groups).")
            data["access_token"] = _token_for_key(connection)
            with transaction.atomic():
                # On record before the answer leaves, whether a token goes out or not.
                api_audit_record(
                    request=request, status_code=200, api_key=api_key,
                    institutional_id=researcher.get_username(), token_disclosed=data["access_token"] is not None,
                )
            data["status"] = _api_status(connection)  # a refresh may have found it revoked
        if data["status"] == OrcidConnection.Status.DEPRECATED:
            data["primary_orcid"] = connection.primary_orcid
        body = OrcidConnectionSerializer(data).data
        for optional in ("access_token", "primary_orcid"):
            if optional not in data:
                # Absent, not null: for callers that may not see tokens, and for records that
                # were not merged (CONTRACT §4: "a deprecated record adds primary_orcid").
                body.pop(optional, None)
        response = Response(body)
        # May carry a token: no cache (a proxy's, the client library's) may keep a copy.
        add_never_cache_headers(response)
        return response


def _api_status(connection: OrcidConnection | None) -> str:
    # Never connected reads as `disconnected`: the status is always one of CONTRACT §4's seven.
    return connection.status if connection is not None else OrcidConnection.Status.DISCONNECTED.value


def _connection_data(*, institutional_id: str, connection: OrcidConnection | None) -> dict:
    live = connection is not None and connection.status != OrcidConnection.Status.DISCONNECTED
    return {
        "institutional_id": institutional_id,
        "orcid": connection.orcid if live else None,
        "orcid_uri": connection.orcid_uri if live else None,
        "name": connection.name if live else "",
        "status": _api_status(connection),
        "scopes": list(connection.scopes) if live else [],
        "connected_at": connection.connected_at if live else None,
    }


def _token_for_key(connection: OrcidConnection | None) -> str | None:
    if connection is None or connection.status != OrcidConnection.Status.ACTIVE:
        return None
    try:
        return services.connection_access_token(connection=connection)
    except TokenRevoked:
        return None
    except OrcidError as error:
        # ORCID could not refresh it just now; the current token is still the best answer
        # if it has not run out yet.
        logger.warning("Token refresh failed while serving the token API: %s", type(error).__name__)
        from django.utils import timezone

        if connection.expires_at is None or connection.expires_at > timezone.now():
            return connection.access_token
        return None
