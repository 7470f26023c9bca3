from django.urls import path

from .api import ResearcherWorksView, ResearcherWorkView

urlpatterns = [
    path("researchers/<str:institutional_id>/works", ResearcherWorksView.as_view(), name="api-researcher-works"),
    path("researchers/<str:institutional_id>/works/<int:work_id>", ResearcherWorkView.as_view(),
         name="api-researcher-work"),
]
