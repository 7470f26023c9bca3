"""The privacy notice, and the signed-in person's own export ("download my data")."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .export import researcher_export


@require_GET
def privacy_notice(request):
    return render(request, "privacy/notice.html", {"retention_days": settings.AUDIT_RETENTION_DAYS})


@require_GET
@never_cache
@login_required
def my_data_download(request):
    """Everything held about the signed-in person, as a JSON file (their own only)."""
    data = researcher_export(researcher=request.user)
    response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="my-orcid-portal-data-{request.user.pk}.json"'
    return response
