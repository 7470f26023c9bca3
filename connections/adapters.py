"""django-allauth adapter: ORCID in connect mode only, every outcome back on the dashboard.

allauth runs the OAuth dance (state stashed in the session and checked on the way back, the
code exchanged for tokens); from here on the portal takes over: the tokens go encrypted into
`OrcidConnection`, never into allauth's SocialToken table (SOCIALACCOUNT_STORE_TOKENS=False),
and the researcher lands on the dashboard with a plain message whatever happened.
"""

from __future__ import annotations

import logging

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from . import services

logger = logging.getLogger(__name__)

MESSAGE_CONNECTED = "Your ORCID iD is connected. The portal can now add the items you approve to your ORCID record."
MESSAGE_RECONNECTED = "Your ORCID iD is connected again."
MESSAGE_DENIED = "You chose not to give the portal access to your ORCID record, so nothing was connected."
MESSAGE_ERROR = "ORCID answered with an error, so nothing was connected. Please try again in a few minutes."
MESSAGE_STATE = (
    "This answer from ORCID does not match a connection you started here (it may be old, "
    "used already, or altered), so nothing was connected. Please start again."
)
MESSAGE_ALREADY_CONNECTED = "Your ORCID iD is connected; there is nothing more to do."
MESSAGE_NOT_SIGNED_IN = "Please sign in with your institutional ID first, then connect your ORCID iD."


def _connected_already(user) -> bool:
    from .models import OrcidConnection

    return bool(user.is_authenticated and OrcidConnection.objects.filter(
        user=user, status=OrcidConnection.Status.ACTIVE).exists())


def _to_dashboard(request, level: int, message: str) -> ImmediateHttpResponse:
    messages.add_message(request, level, message)
    return ImmediateHttpResponse(HttpResponseRedirect(reverse("dashboard")))


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return False  # ORCID never creates institutional accounts

    def pre_social_login(self, request, sociallogin) -> None:
        """ORCID granted access: store the connection and go back to the dashboard.

        Always ends the flow here (ImmediateHttpResponse), so allauth neither signs anyone
        in by ORCID nor keeps a token; allauth's SocialAccount is kept in step by the service.
        """
        user = request.user
        process = (sociallogin.state or {}).get("process")
        if not user.is_authenticated or process != AuthProcess.CONNECT:
            logger.warning("Refused an ORCID callback outside connect mode (process=%s)", process)
            messages.error(request, MESSAGE_NOT_SIGNED_IN)
            raise ImmediateHttpResponse(HttpResponseRedirect(reverse("login")))
        grant = getattr(sociallogin, "orcid_grant", None) or {}
        token = sociallogin.token
        had_connection = hasattr(user, "orcid_connection") and user.orcid_connection.pk is not None
        try:
            services.connection_connect(
                user=user,
                orcid=grant.get("orcid") or sociallogin.account.uid,
                name=grant.get("name", ""),
                access_token=token.token,
                refresh_token=token.token_secret or "",
                expires_at=token.expires_at,
                scopes=grant.get("scopes", []),
            )
        except services.ConnectionRefused as refusal:
            logger.info("ORCID connection refused for %s: %s", user.username, type(refusal).__name__)
            # The grant ORCID just issued is not stored: give it back, so no live token of the
            # portal is left on the record (an iD linked to someone else, a grant that cannot write).
            _revoke_quietly(token.token, token.token_secret or "")
            raise _to_dashboard(request, messages.ERROR, refusal.message)
        raise _to_dashboard(request, messages.SUCCESS, MESSAGE_RECONNECTED if had_connection else MESSAGE_CONNECTED)

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        extra_context = extra_context or {}
        if error == AuthError.CANCELLED:
            message, level = MESSAGE_DENIED, messages.WARNING
            if request.user.is_authenticated:
                from .signals import connection_declined

                connection_declined.send(sender=self.__class__, user=request.user, request=request)
        elif exception is None and "state_id" in extra_context:
            # No stashed state matches the `state` that came back: forged, replayed or stale.
            logger.warning("ORCID callback with an unknown OAuth state refused")
            message, level = MESSAGE_STATE, messages.ERROR
            if _connected_already(request.user):
                # A reloaded (or revisited) callback of a connection that succeeded: no error
                # above the "Connected" card (issue 14), the state as it is.
                message, level = MESSAGE_ALREADY_CONNECTED, messages.INFO
        else:
            logger.warning(
                "ORCID connection failed: %s %s",
                error,
                type(exception).__name__ if exception else request.GET.get("error", "")[:64],
            )
            message, level = MESSAGE_ERROR, messages.ERROR
        if not request.user.is_authenticated:
            messages.error(request, MESSAGE_NOT_SIGNED_IN)
            raise ImmediateHttpResponse(HttpResponseRedirect(reverse("login")))
        raise _to_dashboard(request, level, message)

    def get_connect_redirect_url(self, request, socialaccount) -> str:
        return reverse("dashboard")


def _revoke_quietly(*tokens: str) -> None:
    """Give back a grant the portal will not use (best effort): its access token, then its
    refresh token (ORCID's /oauth/revoke takes either and answers 200 for one already dead)."""
    services.connection_grant_return(tokens=tokens)
