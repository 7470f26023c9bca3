from django.urls import path

from . import views

urlpatterns = [
    path("funding/<int:pk>/choose/", views.choose, name="funding-choose"),
]
