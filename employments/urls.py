from django.urls import path

from . import views

urlpatterns = [
    path("employments/<int:pk>/choose/", views.choose, name="employment-choose"),
]
