"""The researcher sets the address the portal writes to, from the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from .services import user_email_set


@login_required
@require_POST
def email_update(request):
    try:
        user_email_set(user=request.user, email=request.POST.get("email", ""))
    except ValidationError:
        messages.error(request, "That is not an email address; nothing was changed.")
    else:
        if request.user.email:
            messages.success(request, f"We will write to {request.user.email} about your ORCID record.")
        else:
            messages.success(request, "Email address removed: the portal will not email you.")
    return redirect("dashboard")
