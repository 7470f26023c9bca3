"""The portal's URLs; each app owns its own (CONTRACT §4 and §5 fix the public ones)."""

from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView

from accounts.views import admin_login
from operations.overview import operations_admin_view
from orcid_portal.api import api_not_found

api_patterns = [
    path("", include("connections.api_urls")),
    path("", include("works.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("invitations.api_urls")),
    path("", include("putcodes.api_urls")),  # researchers/{id}/sync (issue 14) and /items (CONTRACT §4)
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    re_path(r"", api_not_found),  # last: whatever else is asked under /api/v1/
]

urlpatterns = [
    path("", include("operations.urls")),  # /health/live, /health/ready, /metrics (CONTRACT §5)
    path("", include("accounts.urls")),
    path("", include("connections.urls")),
    path("works/", include("works.urls")),
    path("", include("employments.urls")),
    path("", include("affiliations.urls")),
    path("", include("funding.urls")),
    path("", include("putcodes.urls")),
    path("", include("webhooks.urls")),
    path("", include("notifications.urls")),
    path("", include("privacy.urls")),
    path("", include("invitations.urls")),
    path("about-orcid/", TemplateView.as_view(template_name="about_orcid.html"), name="about-orcid"),
    path("api/v1/", include(api_patterns)),
    path("accounts/", include("connections.allauth_urls")),  # ORCID OAuth callback only
    path("admin/login/", admin_login),  # admin.site's own, throttled as /login/ is
    path("admin/operations/", operations_admin_view, name="admin-operations"),  # issue 14
    path("admin/", admin.site.urls),
    # Last: whatever else is asked under /api/ (/api/v2/..., /api/nope) is the API's JSON 404,
    # not Django's HTML debug page when DEBUG is on (CONTRACT §4, §5: errors under /api/ are JSON).
    re_path(r"^api/", api_not_found),
]

# Errors no view answered: JSON under /api/, the portal's own pages (naming SUPPORT_EMAIL) elsewhere.
handler400 = "orcid_portal.api.bad_request"
handler403 = "orcid_portal.api.permission_denied"
handler404 = "orcid_portal.api.page_not_found"
handler500 = "orcid_portal.api.server_error"
