"""Sign-in throttling with django-axes (failed attempts kept in the database, an admin of
lockouts under "Axes"): per institutional ID from one client address, and per client
address over all IDs, the address being the one the trusted proxies forwarded
(accounts.network.client_ip).

https://django-axes.readthedocs.io/en/latest/4_configuration.html
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.template.response import TemplateResponse


def login_window_minutes() -> int:
    return max(1, int(settings.LOGIN_FAILURE_WINDOW) // 60)


class PortalAxesHandler(AxesDatabaseHandler):
    """Two limits where axes has one: LOGIN_FAILURES_PER_USER_IP failures of one ID from one
    address (AXES_FAILURE_LIMIT), or LOGIN_FAILURES_PER_IP failures from one address over
    any IDs (one address spraying guesses). AXES_LOCKOUT_PARAMETERS lists the two
    (["username", "ip_address"], then ["ip_address"]), in that order."""

    def get_failures(self, request, credentials=None) -> int:
        counts = [
            sum(attempts.values_list("failures_since_start", flat=True))
            for attempts in self.get_user_attempts(request, credentials)
        ]
        per_user_ip = counts[0] if counts else 0
        per_ip = counts[1] if len(counts) > 1 else 0
        # Axes compares the answer with AXES_FAILURE_LIMIT: an address past its own limit
        # answers that limit, so it is locked whatever the ID.
        address_locked = per_ip >= int(settings.LOGIN_FAILURES_PER_IP)
        return max(per_user_ip, int(settings.AXES_FAILURE_LIMIT) if address_locked else 0)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in forgets this ID's failures from this address only: the
        address's failures with other IDs still count (else signing in to one's own account
        would wipe a spray's tally)."""
        username = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD) or getattr(request, "axes_username", "")
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return deleted


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, 429, saying how long to wait."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    # Rendered here: axes' middleware hands it back after the view's own rendering happened.
    return TemplateResponse(
        request,
        "accounts/login.html",
        {
            "form": AuthenticationForm(request, initial={"username": username}),
            "next": request.POST.get("next", ""),
            "throttled_message": (
                f"Too many failed sign-in attempts. Please wait {login_window_minutes()} minutes and try again, "
                "or contact the IT service desk if you forgot your password."
            ),
        },
        status=429,
    ).render()
