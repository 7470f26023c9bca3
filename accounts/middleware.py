from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib.auth.middleware import RemoteUserMiddleware
from django.core.exceptions import PermissionDenied

logger = logging.getLogger(__name__)


def remote_user_valid(value: str) -> bool:
    """Whether the SSO header's value looks like an institutional ID (PORTAL_REMOTE_USER_PATTERN,
    at most 150 characters, the length of a username). Anything else (`../../etc`, `a,b` from a
    proxy that joined two headers, a long blob) is refused, and no account is made of it."""
    return len(value) <= 150 and re.fullmatch(settings.PORTAL_REMOTE_USER_PATTERN, value) is not None


class RemoteUserHeaderMiddleware(RemoteUserMiddleware):
    """Signs in the user named by the header in PORTAL_REMOTE_USER_HEADER, when it is set.

    Only for deployments behind an SSO proxy (Shibboleth/SAML) that sets the header itself
    and strips any copy a client sends; with the setting unset this does nothing and the
    login page is used instead. A value that is not an institutional ID is a 403.
    """

    force_logout_if_no_header = True

    def __init__(self, get_response):
        super().__init__(get_response)

    def __call__(self, request):
        header = settings.PORTAL_REMOTE_USER_HEADER
        if not header:
            return self.get_response(request)
        self.header = "HTTP_" + header.upper().replace("-", "_")
        value = request.META.get(self.header)
        if value is not None and not remote_user_valid(value.strip()):
            logger.warning("Refused an SSO header value that is not an institutional ID (%d characters)", len(value))
            raise PermissionDenied("The signed-in identity the SSO proxy sent is not a valid institutional ID.")
        return super().__call__(request)
