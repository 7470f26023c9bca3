"""Guards in front of every view: no NUL bytes, and no CSRF check where a bearer key authenticates."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def _api_prefix() -> str:
    return settings.PORTAL_API_PREFIX


def _has_nul(request) -> bool:
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists())


def _audit_nul(request) -> None:
    """The refused call in the API's audit log, its NUL bytes written out (no database takes them)."""
    from units.audit import api_audit_record

    request.path = request.path.replace("\x00", "\\x00")
    try:
        api_audit_record(request=request, status_code=400)
    except Exception:
        logger.exception("Could not audit a request with a NUL byte")


class RequestGuardMiddleware:
    """- A NUL byte in the path or the query (a search) is a 400 (JSON under /api/, audited
      like every API call), never a 500 from a database that cannot store it.
    - A call under /api/ with `Authorization: Bearer` is authenticated by its unit key, which
      wins over any session cookie sent along (units.authentication comes first in DRF's
      classes); a browser never adds that header by itself, so such calls are not open to
      cross-site request forgery and Django's CSRF check does not apply to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith(_api_prefix())
        if _has_nul(request):
            logger.warning("Refused a request with a NUL byte in its path or query")
            if api:
                _audit_nul(request)
                return JsonResponse({"message": "The request's path or query holds a NUL byte."}, status=400)
            from orcid_portal.api import bad_request  # Django's handler400: the portal's page, naming SUPPORT_EMAIL

            return bad_request(request, None)
        if api and request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer "):
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)
