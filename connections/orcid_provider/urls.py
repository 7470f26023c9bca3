"""Only the OAuth callback is exposed: the flow starts from the portal's own connect page
(`/orcid/connect/`, a CSRF-protected POST), never from allauth's login URL."""

from django.urls import path

from .views import oauth2_callback

urlpatterns = [
    path("orcid/login/callback/", oauth2_callback, name="orcid_callback"),
]
