from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("orcid/connect/", views.connect, name="orcid-connect"),
    path("orcid/disconnect/", views.disconnect, name="orcid-disconnect"),
]
