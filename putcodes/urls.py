from django.urls import path

from . import views

urlpatterns = [
    path("orcid/sync/", views.sync_now, name="orcid-sync-now"),
]
