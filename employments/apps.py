from django.apps import AppConfig


class EmploymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "employments"
