from __future__ import annotations

import logging

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.template.response import TemplateResponse

from .throttle import login_failure_record, login_failures_clear, login_is_throttled, login_window_minutes

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    # REMOTE_ADDR only: a client can write any X-Forwarded-For it likes. Behind a proxy,
    # the proxy (or a middleware set up for it) must put the real address there.
    return request.META.get("REMOTE_ADDR") or "unknown"


class ThrottledLoginView(auth_views.LoginView):
    """The username/password sign-in (development, demos, or no SSO proxy), throttled."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        ip = client_ip(request)
        if login_is_throttled(username=username, ip=ip):
            logger.warning("Login throttled for an ID from %s", ip)
            # The password is not even checked while throttled; an unbound form keeps the ID typed.
            form = self.get_form_class()(request=request, initial={"username": username})
            response = self.render_to_response(
                self.get_context_data(
                    form=form,
                    throttled_message=(
                        f"Too many failed sign-in attempts. Please wait {login_window_minutes()} minutes and "
                        "try again, or contact the IT service desk if you forgot your password."
                    ),
                )
            )
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        login_failure_record(username=self.request.POST.get("username", "")[:150], ip=client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        login_failures_clear(username=self.request.POST.get("username", "")[:150], ip=client_ip(self.request))
        return super().form_valid(form)


def admin_login(request, extra_context=None):
    """The admin's sign-in page (routed over admin.site's own) under the same throttle: it takes
    the same passwords, staff's among them, so it must not be a way around /login/'s limits."""
    if request.method != "POST":
        return admin.site.login(request, extra_context)
    username = request.POST.get("username", "")[:150]
    ip = client_ip(request)
    if login_is_throttled(username=username, ip=ip):
        logger.warning("Admin login throttled for an ID from %s", ip)
        return TemplateResponse(
            request,
            "accounts/login.html",
            {
                "form": AuthenticationForm(request, initial={"username": username}),
                "next": request.POST.get("next", ""),
                "throttled_message": (
                    f"Too many failed sign-in attempts. Please wait {login_window_minutes()} minutes and try again."
                ),
            },
            status=429,
        )
    response = admin.site.login(request, extra_context)
    signed_in = response.status_code == 302 and request.user.is_authenticated  # the admin redirects on success
    if signed_in and request.user.is_staff and request.user.get_username() == username:
        login_failures_clear(username=username, ip=ip)
    else:
        login_failure_record(username=username, ip=ip)
    return response
