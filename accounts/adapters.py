"""django-allauth account adapter: nobody signs up here.

People are the institution's (institutional IDs come from the SSO proxy or are made by staff
and the units' imports); allauth is installed only for the ORCID connect flow.
"""

from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
