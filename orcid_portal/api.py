"""Shared pieces of the campus HTTP API."""

from __future__ import annotations

from django.views.decorators.csrf import csrf_exempt
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Every API error is JSON with a `message` (CONTRACT §4), keeping DRF's details."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data and len(data) == 1:
        response.data = {"message": str(data["detail"])}
    elif isinstance(data, dict) and "message" not in data:
        response.data = {"message": "The request is not valid.", "errors": data}
    elif isinstance(data, list):
        response.data = {"message": " ".join(str(d) for d in data)}
    return response


@csrf_exempt  # a 404 is the answer whatever the method; no CSRF page in its way (CONTRACT §4: JSON)
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that names no endpoint: a JSON 404, never Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"message": "There is no such API endpoint."}, status=404)


# Django's error handlers (orcid_portal.urls) and its CSRF failure view: under the API's prefix
# the answer is JSON, as every other API answer; elsewhere the portal's own pages, which name
# SUPPORT_EMAIL (CONTRACT §5). They run for what no view turned into a response (an unexpected
# exception, a 404 outside /api/v1/, a failed CSRF check, ...); nothing about the failure goes
# into the answer (Django logs it).
_API_ERROR_MESSAGES = {
    400: "The request is not valid.",
    403: "You may not do this.",
    404: "There is no such API endpoint.",
    500: "The portal failed to answer this request; the failure is logged. Please try again later.",
}
_CSRF_API_MESSAGE = (
    "CSRF check failed: a call made with the signed-in session must send the CSRF token "
    "(X-CSRFToken); campus systems use 'Authorization: Bearer <API key>', which needs none."
)


def _is_api(request) -> bool:
    from django.conf import settings

    return request.path.startswith(settings.PORTAL_API_PREFIX)


def _json_error(status: int, message: str | None = None):
    from django.http import JsonResponse

    return JsonResponse({"message": message or _API_ERROR_MESSAGES[status]}, status=status)


def _page(request, template_name: str, status: int, context: dict | None = None):
    """The error page in the portal's layout; a bare page naming SUPPORT_EMAIL when even that
    cannot be rendered (the database down, a broken template)."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.utils.html import escape

    try:
        return render(request, template_name, context or {}, status=status)
    except Exception:
        email = escape(settings.SUPPORT_EMAIL)
        return HttpResponse(
            f"<!doctype html><title>Error {status}</title><h1>Something went wrong ({status})</h1>"
            f'<p>Please try again later, or write to <a href="mailto:{email}">{email}</a>.</p>',
            status=status,
        )


def bad_request(request, exception, template_name="400.html"):
    return _json_error(400) if _is_api(request) else _page(request, template_name, 400)


def permission_denied(request, exception, template_name="403.html"):
    return _json_error(403) if _is_api(request) else _page(request, template_name, 403)


def page_not_found(request, exception, template_name="404.html"):
    return _json_error(404) if _is_api(request) else _page(request, template_name, 404)


def server_error(request, template_name="500.html"):
    return _json_error(500) if _is_api(request) else _page(request, template_name, 500)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    """settings.CSRF_FAILURE_VIEW: JSON under /api/, the portal's page elsewhere."""
    if _is_api(request):
        return _json_error(403, _CSRF_API_MESSAGE)
    from .session_expiry import page_sent_from  # the way back to the page the form was on (issue 14)

    return _page(request, template_name, 403, {"back_url": page_sent_from(request)})
