from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import RemoteUserMiddleware


class RemoteUserHeaderMiddleware(RemoteUserMiddleware):
    """Signs in the user named by the header in PORTAL_REMOTE_USER_HEADER, when it is set.

    Only for deployments behind an SSO proxy (Shibboleth/SAML) that sets the header itself
    and strips any copy a client sends; with the setting unset this does nothing and the
    login page is used instead.
    """

    force_logout_if_no_header = True

    def __init__(self, get_response):
        super().__init__(get_response)

    def __call__(self, request):
        header = settings.PORTAL_REMOTE_USER_HEADER
        if not header:
            return self.get_response(request)
        self.header = "HTTP_" + header.upper().replace("-", "_")
        return super().__call__(request)
