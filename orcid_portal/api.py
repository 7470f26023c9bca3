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
