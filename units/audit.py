"""The audit log of the campus API: every call under /api/v1/ leaves one `ApiAuditEvent`,
and every answer that carries an ORCID access token is marked `token_disclosed`."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from .models import ApiAuditEvent, ApiKey


def api_audit_record(
    *,
    request,
    status_code: int | None,
    api_key: ApiKey | None = None,
    institutional_id: str = "",
    token_disclosed: bool = False,
) -> ApiAuditEvent:
    """Write one audit event for `request` (a Django or DRF request) and mark the request as
    audited, so the audit middleware does not write a second one."""
    django_request = getattr(request, "_request", request)
    user = getattr(django_request, "user", None)
    if not isinstance(user, get_user_model()) or not user.pk:
        user = None
    if api_key is None:
        api_key = getattr(django_request, "portal_api_key", None)
    event = ApiAuditEvent.objects.create(
        api_key=api_key,
        user=user,
        method=django_request.method[:8],
        path=django_request.path[:500],
        institutional_id=institutional_id[:150],
        status_code=status_code,
        token_disclosed=token_disclosed,
        remote_addr=django_request.META.get("REMOTE_ADDR") or None,
    )
    django_request.portal_api_audited = True
    return event
