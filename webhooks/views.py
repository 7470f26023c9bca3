"""ORCID's webhook callback: an empty POST saying "this record changed"."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .services import webhook_callback_receive


@csrf_exempt  # ORCID cannot send a CSRF token; the unguessable URL is the credential.
@require_POST
def callback(request, orcid: str, token: str):
    # The body is never read: nothing in it is trusted, and ORCID sends none.
    if not webhook_callback_receive(orcid=orcid, token=token):
        return HttpResponseNotFound()
    return HttpResponse(status=204)
