"""Pages of the ORCID connection: the dashboard, connect, disconnect. Thin: rules live in
connections.services."""

from __future__ import annotations

import logging

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from orcid_client.errors import OrcidError

from . import selectors, services
from .forms import DisconnectForm
from .models import OrcidConnection

logger = logging.getLogger(__name__)

SCOPE_DESCRIPTIONS = {
    "/authenticate": "Know your ORCID iD",
    "/activities/update": "Add and update works and employment on your record",
    "/read-limited": "Read the items on your record, including those visible to trusted parties only",
    "/person/update": "Update your biographical information",
}


def _scope_labels(scopes):
    return [{"scope": s, "label": SCOPE_DESCRIPTIONS.get(s, s)} for s in scopes]


@login_required
def dashboard(request):
    connection = selectors.connection_for_user(user=request.user)
    return render(
        request,
        "connections/dashboard.html",
        {
            "connection": connection,
            "scope_labels": _scope_labels(connection.scopes) if connection else [],
            "events": selectors.connection_events(connection=connection, limit=10) if connection else [],
            "Status": OrcidConnection.Status,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def connect(request):
    """GET: explain and offer the ORCID button. POST (CSRF-checked): start ORCID's OAuth."""
    if request.method == "POST":
        provider = get_socialaccount_adapter(request).get_provider(request, "orcid")
        # allauth stashes a random `state` in the session and checks it on the way back.
        return provider.redirect(request, AuthProcess.CONNECT, next_url=reverse("dashboard"))
    connection = selectors.connection_for_user(user=request.user)
    return render(request, "connections/connect.html", {"connection": connection, "Status": OrcidConnection.Status})


@login_required
@require_http_methods(["GET", "POST"])
def disconnect(request):
    """Ask whether the institution's items should go too, then disconnect."""
    connection = selectors.connection_for_user(user=request.user)
    if connection is None or connection.status == OrcidConnection.Status.DISCONNECTED:
        messages.info(request, "Your ORCID iD is not connected.")
        return redirect("dashboard")
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.connection_disconnect(
                connection=connection, remove_items=form.cleaned_data["remove_items"], actor=request.user
            )
        except OrcidError as error:
            logger.warning("Disconnect of %s failed: %s", request.user.username, type(error).__name__)
            messages.error(
                request,
                "ORCID could not be reached, so your iD is still connected. Please try again in a few minutes.",
            )
            return redirect("dashboard")
        text = "Your ORCID iD is disconnected and the portal's access to your record was revoked."
        if result.items_left_on_orcid:
            text += (
                " ORCID no longer let the portal remove the items it had added; you can delete them on ORCID "
                "yourself (each shows the institution as its source)."
            )
        elif result.items_removed:
            text += f" {result.items_removed} item(s) the institution had added were removed from your record."
        elif form.cleaned_data["remove_items"]:
            text += " There were no institution items to remove."
        messages.success(request, text)
        return redirect("dashboard")
    return render(request, "connections/disconnect.html", {"connection": connection, "form": form})
