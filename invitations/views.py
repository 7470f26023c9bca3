"""The invitation link `/invitations/{token}/` (CONTRACT §5). Thin: the rules live in
invitations.services.

GET (signed in as the invited institutional ID): the connect page, the invitation `opened`.
POST (CSRF-checked): the redirect to ORCID's authorize URL, pre-filled with the invitee's
name and email. Anything else (altered, unknown, expired, used, someone else's link) is a
page that says so, and nothing happens.
"""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter as get_socialaccount_adapter
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from connections.selectors import connection_for_user

from . import services
from .services import LinkCheck

REFUSALS = {
    LinkCheck.TAMPERED: (404, "This invitation link is not valid",
                         "The link is incomplete or was changed. Please open it again from the email exactly as "
                         "it was sent (some mail programs break long links across lines)."),
    LinkCheck.EXPIRED: (410, "This invitation has expired",
                        "The link in the email no longer works. You can still connect your ORCID iD from your "
                        "dashboard, or ask for a new invitation."),
    LinkCheck.USED: (410, "This invitation was already used",
                     "You connected your ORCID iD through this invitation already; there is nothing more to do "
                     "with the link. Your dashboard shows the connection."),
    LinkCheck.SOMEONE_ELSE: (403, "This invitation is for someone else",
                             "The link was sent to another person, so it cannot be used while you are signed in "
                             "as yourself. If it was meant for you, sign out and sign in with the institutional ID "
                             "the email names."),
}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def invitation_open(request, token: str):
    check = services.invitation_check_link(token=token, user=request.user)
    if check.outcome != LinkCheck.OK:
        status, title, text = REFUSALS[check.outcome]
        return render(request, "invitations/refused.html",
                      {"title": title, "text": text, "support_email": settings.SUPPORT_EMAIL}, status=status)
    invitation = check.invitation
    if request.method == "POST":
        provider = get_socialaccount_adapter(request).get_provider(request, "orcid")
        params = {**provider.get_auth_params(), **services.invitation_orcid_prefill(invitation=invitation)}
        # The same OAuth flow as /orcid/connect/ (state stashed in the session), pre-filled.
        return provider.redirect(request, AuthProcess.CONNECT, next_url=reverse("dashboard"), auth_params=params)
    was_declined = invitation.status == invitation.Status.DECLINED
    services.invitation_open(invitation=invitation)
    return render(request, "invitations/connect.html", {
        "invitation": invitation, "was_declined": was_declined,
        "connection": connection_for_user(user=request.user), "support_email": settings.SUPPORT_EMAIL,
    })
