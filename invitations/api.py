"""`GET /api/v1/invitations?unit=CODE` (CONTRACT §4): a unit's invitations and their status,
for unit API keys with the scope `invitations:read`; a DRF page `{count, next, previous,
results}`, `?limit=` (default 500, at most 5,000) and `?offset=`. Audited like every API call."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView

from connections.serializers import ErrorSerializer
from units.authentication import request_api_key
from units.models import ApiKey
from units.pagination import ApiPagination

from .models import Invitation


InvitationPagination = ApiPagination  # the API's one pagination (units/pagination.py)


STATUS_FIELD = serializers.ChoiceField(choices=Invitation.Status.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["institutional_id", "email", "status", "sent_at", "reminders", "connected_at"]
        read_only_fields = fields

    @extend_schema_field(STATUS_FIELD)
    def get_status(self, obj: Invitation) -> str:
        # A link that ran out is expired even before the reminder run records it.
        if obj.status in Invitation.OPEN_STATUSES and obj.expires_at <= timezone.now():
            return Invitation.Status.EXPIRED
        return obj.status


class KeyWithInvitationsScope(permissions.BasePermission):
    message = "This call needs a unit API key with the invitations:read scope."

    def has_permission(self, request, view) -> bool:
        api_key = request_api_key(request)
        return api_key is not None and api_key.has_scope(ApiKey.Scope.INVITATIONS_READ)


class InvitationsView(ListAPIView):
    permission_classes = [KeyWithInvitationsScope]
    serializer_class = InvitationSerializer
    pagination_class = InvitationPagination

    @extend_schema(
        operation_id="invitations_list",
        summary="A unit's invitations to connect ORCID and their status",
        parameters=[OpenApiParameter("unit", {"type": "string", "pattern": "^[-a-zA-Z0-9_]{1,32}$"},
                                     OpenApiParameter.QUERY, required=False,
                                     description="The unit's code; only the key's own unit (the default).")],
        responses={
            200: InvitationSerializer(many=True),
            401: OpenApiResponse(ErrorSerializer, description="No valid API key."),
            403: OpenApiResponse(ErrorSerializer, description="Not a unit key with the invitations:read scope."),
            404: OpenApiResponse(ErrorSerializer, description="Not the key's unit."),
        },
        tags=["invitations"],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        api_key = request_api_key(self.request)
        code = (self.request.query_params.get("unit") or "").strip().lower()
        if code and code != api_key.unit.code:
            raise NotFound("No such unit for this API key.")
        return Invitation.objects.filter(unit_id=api_key.unit_id).order_by("pk")
