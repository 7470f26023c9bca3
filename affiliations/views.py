"""The researcher's choice about an affiliation, from the dashboard. Thin: rules in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .models import Affiliation
from .services import affiliation_choose


@login_required
@require_POST
def choose(request, pk: int):
    # Another researcher's affiliation is a 404, as if it did not exist.
    affiliation = Affiliation.objects.filter(pk=pk, researcher=request.user).first()
    if affiliation is None or affiliation.removed_at is not None:
        raise Http404
    approved = request.POST.get("approved") == "true"
    affiliation_choose(affiliation=affiliation, researcher=request.user, approved=approved)
    if approved:
        messages.success(request, f"“{affiliation}” will be added to your ORCID record at the next update.")
    else:
        messages.success(request, f"“{affiliation}” will not be on your ORCID record (removed at the next update if it is there).")
    return redirect(f"/#{affiliation.section}")
