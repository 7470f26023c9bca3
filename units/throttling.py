"""Rate limits on the campus API."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import request_api_key
from .models import ApiKey


class TokenDisclosureThrottle(SimpleRateThrottle):
    """Token disclosures per `tokens:read` key: `settings.API_TOKEN_DISCLOSURE_RATE` (e.g. "120/min").

    Only calls that may disclose a token count; the cache is Redis when configured, so every
    web process counts together."""

    scope = "token_disclosure"

    def get_rate(self):
        return settings.API_TOKEN_DISCLOSURE_RATE

    def get_cache_key(self, request, view):
        api_key = request_api_key(request)
        if api_key is None or not api_key.has_scope(ApiKey.Scope.TOKENS_READ):
            return None  # not throttled here
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}
