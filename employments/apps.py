from django.apps import AppConfig


class EmploymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "employments"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the INSTITUTION_* check)
