"""The researcher's "sync now": records a run that is carried out in the background
(putcodes.background) and goes straight back to the page, which shows the run's progress and
then its outcome (templatetags/sync_tags.py). Thin: checks, one service call, back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .background import SYNC_NOW_INTERVAL_SECONDS, researcher_sync_request, run_state

__all__ = ["SYNC_NOW_INTERVAL_SECONDS", "sync_now"]


@login_required
@require_POST
def sync_now(request):
    target = request.POST.get("next") or "dashboard"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "dashboard"
    run, started = researcher_sync_request(researcher=request.user, triggered_by=request.user.get_username())
    if not started and run_state(run) in ("queued", "running"):
        messages.info(request, "Your ORCID record is already being updated; the progress is shown below.")
    elif not started:
        messages.info(request, "Your ORCID record was synced a moment ago (the outcome is below); try again in a minute.")
    return redirect(target)
