from __future__ import annotations

import logging

from django.conf import settings

from .audit import api_audit_record

logger = logging.getLogger(__name__)

# Paths of the campus API that are not a use of anybody's data (the OpenAPI document).
_UNAUDITED_SUFFIXES = ("/schema/",)


class ApiAuditMiddleware:
    """Audits every call of the campus API (CONTRACT §4: "every use audited").

    Views that disclose a token write their own event first (with `token_disclosed`), inside
    the request, so that the disclosure is on record before the answer leaves; this
    middleware writes one for every other call, whatever its outcome (401, 404, ...).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = settings.PORTAL_API_PREFIX

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith(self.prefix) and not path.endswith(_UNAUDITED_SUFFIXES):
            if not getattr(request, "portal_api_audited", False):
                match = getattr(request, "resolver_match", None)
                institutional_id = (match.kwargs.get("institutional_id", "") if match else "") or ""
                try:
                    api_audit_record(request=request, status_code=response.status_code, institutional_id=str(institutional_id))
                except Exception:  # an audit failure must be loud, but must not hide the answer's cause
                    logger.exception("Could not write the API audit event for %s %s", request.method, path)
                    raise
        return response
