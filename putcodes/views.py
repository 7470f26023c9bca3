"""The researcher's "sync now": write their approved items to ORCID without waiting for the
schedule. Thin: checks, one service call, a message, back to the page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import SyncRun
from .services import researchers_sync_now

# One "sync now" per researcher per this many seconds: each one may cost ORCID calls.
SYNC_NOW_INTERVAL_SECONDS = 30


@login_required
@require_POST
def sync_now(request):
    target = request.POST.get("next") or "dashboard"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "dashboard"
    key = f"putcodes:sync-now:{request.user.pk}"
    if not cache.add(key, True, SYNC_NOW_INTERVAL_SECONDS):
        messages.info(request, "A sync of your ORCID record started a moment ago; try again in a minute.")
        return redirect(target)
    run = researchers_sync_now(
        researcher_ids=[request.user.pk], triggered_by=request.user.get_username(), trigger=SyncRun.Trigger.PORTAL
    )
    if not run.finished_at:
        messages.success(request, "Your ORCID record will be updated in a moment.")
    elif run.researchers_total == 0:
        messages.info(request, "Nothing to write: connect your ORCID iD first.")
    elif run.failed:
        messages.warning(
            request,
            f"ORCID record updated: {run.created} added, {run.updated} updated, {run.deleted} removed; "
            f"{run.failed} could not be written (see each item's status).",
        )
    else:
        messages.success(
            request, f"ORCID record up to date: {run.created} added, {run.updated} updated, {run.deleted} removed."
        )
    return redirect(target)
