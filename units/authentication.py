"""`Authorization: Bearer <unit API key>` for the campus API (CONTRACT §4)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from .models import ApiKey
from .services import api_key_authenticate


class UnitPrincipal(AnonymousUser):
    """The `request.user` of a call made with a unit key: authenticated, but nobody's account."""

    def __init__(self, api_key: ApiKey):
        super().__init__()
        self.api_key = api_key

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True

    def __str__(self) -> str:
        return f"API key {self.api_key}"


class UnitApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():
            raise exceptions.AuthenticationFailed("Use 'Authorization: Bearer <API key>'.")
        api_key = api_key_authenticate(key=parts[1])
        if api_key is None:
            raise exceptions.AuthenticationFailed("The API key is not valid or was revoked.")
        # For the audit middleware, which sees the Django request, not DRF's.
        request._request.portal_api_key = api_key
        return UnitPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword


class UnitApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "units.authentication.UnitApiKeyAuthentication"
    name = "unitApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A unit API key (create_api_key)."}


def request_api_key(request) -> ApiKey | None:
    """The unit key behind `request`, or None for a signed-in researcher's session."""
    return request.auth if isinstance(request.auth, ApiKey) else None


class ScopeRequired(permissions.BasePermission):
    """A session user passes (views restrict them to their own data); a key needs the view's
    `required_scope`, or one of its `required_scopes` (any of them will do)."""

    message = "This API key lacks the scope this call needs."

    def has_permission(self, request, view) -> bool:
        api_key = request_api_key(request)
        if api_key is None:
            return bool(request.user and request.user.is_authenticated)
        scopes = tuple(getattr(view, "required_scopes", ())) or (getattr(view, "required_scope", ""),)
        return any(api_key.has_scope(scope) for scope in scopes if scope)
