"""A form sent after the session expired (issue 14, CONTRACT §5): instead of losing the action
without a word, the person is sent to sign in, told that the action was not saved, and then
brought back to the page they were on, with its filter (the form's page, from the Referer;
the form's own URL when there is none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.utils.http import url_has_allowed_host_and_scheme

NOT_SAVED = "Your session had expired, so your last action was not saved. Sign in again, then repeat it."


def page_sent_from(request) -> str:
    """The portal page (path and query) the request's form was on, or the request's own path."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


class ExpiredSessionMiddleware:
    """A POST by a signed-out visitor to a view that needs a signed-in one (login_required)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.user.is_authenticated:
            return None
        if getattr(view_func, "redirect_field_name", None) is None:  # not behind login_required
            return None
        if request.path.startswith(settings.PORTAL_API_PREFIX):
            return None
        messages.warning(request, NOT_SAVED)
        return redirect_to_login(page_sent_from(request), getattr(view_func, "login_url", None))
