"""The researcher's choice about a funding, from the dashboard. Thin: rules in services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .models import Funding
from .services import funding_choose


@login_required
@require_POST
def choose(request, pk: int):
    # Another researcher's funding is a 404, as if it did not exist.
    funding = Funding.objects.filter(pk=pk, researcher=request.user).first()
    if funding is None or funding.removed_at is not None:
        raise Http404
    approved = request.POST.get("approved") == "true"
    funding_choose(funding=funding, researcher=request.user, approved=approved)
    if approved:
        messages.success(request, f"“{funding}” will be added to your ORCID record at the next update.")
    else:
        messages.success(request, f"“{funding}” will not be on your ORCID record (removed at the next update if it is there).")
    return redirect("/#funding")
