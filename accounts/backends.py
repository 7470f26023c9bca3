from __future__ import annotations

from django.contrib.auth.backends import RemoteUserBackend


class InstitutionalRemoteUserBackend(RemoteUserBackend):
    """Trusts the SSO proxy's header as the institutional ID, creating the user on first sight."""

    create_unknown_user = True

    def clean_username(self, username: str) -> str:
        return username.strip().lower()

    def configure_user(self, request, user, created=True):
        if created:
            # Signed in by the proxy only: no password that the login page could accept.
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
