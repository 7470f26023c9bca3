from django.apps import AppConfig


class EmploymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "employments"

    def ready(self) -> None:
        from units.membership import membership_register, model_membership

        from . import checks  # noqa: F401  (registers the INSTITUTION_* check)
        from .models import Employment

        membership_register(model_membership(Employment))  # HR's people, for limited token keys
        from . import receivers  # noqa: F401  (connects them)
