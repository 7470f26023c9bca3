from django.urls import path

from . import views

urlpatterns = [
    path("notifications/email/", views.email_update, name="notification-email"),
]
