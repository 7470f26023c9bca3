"""The "Sync with ORCID now" panel (issue 14): the button, disabled while a run of the
researcher's is queued or running, the run's progress (static/portal/sync.js follows it over
GET /api/v1/researchers/{id}/sync; without JavaScript a refresh link does) and its outcome."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from putcodes.background import researcher_latest_run, run_data

register = template.Library()

# How long a finished run's outcome stays on the researcher's pages.
OUTCOME_SHOWN_FOR = timedelta(minutes=15)


@register.inclusion_tag("putcodes/sync_panel.html", takes_context=True)
def sync_panel(context, show_button=True):
    request = context.get("request")
    user = getattr(request, "user", None)
    run = researcher_latest_run(researcher=user) if user is not None and user.is_authenticated else None
    data = run_data(run) if run is not None else None
    busy = data is not None and data["state"] in ("queued", "running")
    recent = data is not None and not busy and run.finished_at and timezone.now() - run.finished_at < OUTCOME_SHOWN_FOR
    return {
        "run": data,
        "busy": busy,
        "show_outcome": bool(recent),
        "show_button": show_button,
        "status_url": reverse("api-researcher-sync", kwargs={"institutional_id": user.get_username()}) if user else "",
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("putcodes/overview.html", takes_context=True)
def researcher_overview(context):
    """The dashboard's guide: last and next sync, what waits for a choice, counts per section,
    and the next step."""
    from putcodes.dashboard import researcher_overview as overview_of

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"overview": None}
    connection = context.get("connection")
    status = getattr(connection, "status", None)
    return {
        "overview": overview_of(researcher=user),
        "connected": status == "active",
        "needs_reconnect": status in ("revoked", "expired"),
        "not_connected": status in (None, "disconnected"),
        "institution_name": context.get("institution_name", ""),
        "sync_every_hours": settings.ORCID_SYNC_INTERVAL_HOURS,
        "request": request,
    }
