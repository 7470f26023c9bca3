"""Shared pieces of the campus HTTP API."""

from __future__ import annotations

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


def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that names no endpoint: a JSON 404, never Django's HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"message": "There is no such API endpoint."}, status=404)


# Django's error handlers (orcid_portal.urls): under the API's prefix the answer is JSON, as
# every other API answer; elsewhere Django's own pages. They run with DEBUG off only, for what
# no view turned into a response (an unexpected exception, a 404 outside /api/v1/, ...);
# nothing about the failure goes into the answer (Django logs it).
_API_ERROR_MESSAGES = {
    400: "The request is not valid.",
    403: "You may not do this.",
    404: "There is no such API endpoint.",
    500: "The portal failed to answer this request; the failure is logged. Please try again later.",
}


def _is_api(request) -> bool:
    from django.conf import settings

    return request.path.startswith(getattr(settings, "PORTAL_API_PREFIX", "/api/"))


def _json_error(status: int):
    from django.http import JsonResponse

    return JsonResponse({"message": _API_ERROR_MESSAGES[status]}, status=status)


def bad_request(request, exception, template_name="400.html"):
    from django.views import defaults

    return _json_error(400) if _is_api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception, template_name="403.html"):
    from django.views import defaults

    return _json_error(403) if _is_api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception, template_name="404.html"):
    from django.views import defaults

    return _json_error(404) if _is_api(request) else defaults.page_not_found(request, exception)


def server_error(request, template_name="500.html"):
    from django.views import defaults

    return _json_error(500) if _is_api(request) else defaults.server_error(request)
