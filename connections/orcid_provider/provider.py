"""The `orcid` provider for django-allauth, in connect mode only.

allauth's stock ORCID provider fixes `https://{BASE_DOMAIN}` and the `api.` host when it is
imported and sends the member token as a query parameter. This one reads the hosts from
settings at request time (the simulator, ORCID's sandbox or production) and talks to ORCID
through `orcid_client`, which sends the token in the `Authorization` header.
"""

from __future__ import annotations

from allauth.socialaccount.providers.base import AuthProcess, ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.conf import settings

from .views import OrcidOAuth2Adapter


class OrcidAccount(ProviderAccount):
    def get_profile_url(self) -> str:
        return f"{settings.ORCID_BASE_URL}/{self.account.uid}"

    def to_str(self) -> str:
        return self.account.extra_data.get("name") or self.account.uid


class OrcidProvider(OAuth2Provider):
    id = "orcid"
    name = "ORCID"
    account_class = OrcidAccount
    oauth2_adapter_class = OrcidOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return list(settings.ORCID_SCOPES)

    def get_auth_params(self) -> dict:
        # Start on ORCID's sign-in page rather than its registration form: researchers at a
        # university mostly have an iD already (ORCID's `show_login` parameter).
        params = super().get_auth_params()
        params.setdefault("show_login", "true")
        return params

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        # ORCID never signs anyone in here: only a signed-in user may link an iD.
        return super().redirect(request, AuthProcess.CONNECT, next_url=next_url, data=data, **kwargs)

    def extract_uid(self, data: dict) -> str:
        return data["orcid"]

    def extract_common_fields(self, data: dict) -> dict:
        # Nothing from ORCID overwrites the institutional account's own fields.
        return {}


provider_classes = [OrcidProvider]
