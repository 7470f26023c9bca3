"""The part of django-allauth the portal exposes: the ORCID provider's OAuth callback.

allauth's account pages (its own login, sign-up, password reset) stay out: people sign in
with their institutional ID (accounts/), and ORCID only links an iD to that account.
"""

from django.urls import include, path

urlpatterns = [
    path("", include("connections.orcid_provider.urls")),
]
