from django.urls import path

from .api import AdoptionReportView, ResearcherOrcidWorksView

urlpatterns = [
    path("reports/adoption", AdoptionReportView.as_view(), name="api-reports-adoption"),
    path(
        "researchers/<str:institutional_id>/orcid-works", ResearcherOrcidWorksView.as_view(),
        name="api-researcher-orcid-works",
    ),
]
