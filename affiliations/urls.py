from django.urls import path

from . import views

urlpatterns = [
    path("affiliations/<int:pk>/choose/", views.choose, name="affiliation-choose"),
]
