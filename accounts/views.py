"""Password sign-in (`/login/`, and the admin's `/admin/login/`).

Guessing is throttled by django-axes (accounts/lockout.py), which sees every call of
`authenticate()`, both pages included. With PORTAL_REMOTE_USER_HEADER set the SSO proxy signs
people in and password sign-in is off, unless PORTAL_BREAK_GLASS_LOGIN keeps it for staff
accounts (the proxy down, an emergency): then only staff may sign in with a password.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError



def password_login_open() -> bool:
    return not settings.PORTAL_REMOTE_USER_HEADER or settings.PORTAL_BREAK_GLASS_LOGIN


def staff_only() -> bool:
    return bool(settings.PORTAL_REMOTE_USER_HEADER)


class PortalAuthenticationForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if staff_only() and not user.is_staff:
            raise ValidationError(
                "Sign in through the institutional login; password sign-in is kept for staff emergencies only.",
                code="sso_only",
            )


class PortalLoginView(auth_views.LoginView):
    """The username/password sign-in (development, demos, no SSO proxy, break-glass staff)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = PortalAuthenticationForm

    def dispatch(self, request, *args, **kwargs):
        if not password_login_open():
            raise PermissionDenied("Password sign-in is off: the institutional login (SSO) signs people in.")
        return super().dispatch(request, *args, **kwargs)


def admin_login(request, extra_context=None):
    """The admin's sign-in page (routed over admin.site's own): closed with SSO as /login/ is
    (staff come in through the proxy, already signed in), throttled by axes like /login/."""
    if not password_login_open():
        raise PermissionDenied("Password sign-in is off: the institutional login (SSO) signs people in.")
    return admin.site.login(request, extra_context)
