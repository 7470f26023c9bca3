from __future__ import annotations

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person of the institution. `username` is the institutional ID (like a SUNet ID).

    Researchers that a unit's import names before they ever sign in exist as users with
    no usable password; they sign in later through the institutional login.
    """

    @property
    def institutional_id(self) -> str:
        return self.username
