from django.urls import path

from . import views

app_name = "works"

urlpatterns = [
    path("", views.works_page, name="list"),
    path("<int:work_id>/preview/", views.work_preview, name="preview"),
    path("preferences/", views.preference_add, name="preference-add"),
    path("preferences/<int:preference_id>/remove/", views.preference_remove, name="preference-remove"),
]
