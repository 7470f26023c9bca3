from django.urls import path

from .api import ResearcherOrcidView

urlpatterns = [
    path("researchers/<str:institutional_id>/orcid", ResearcherOrcidView.as_view(), name="api-researcher-orcid"),
]
