from django.apps import AppConfig


class WorksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "works"

    def ready(self) -> None:
        from units.membership import membership_register, model_membership

        from .models import Work

        membership_register(model_membership(Work))  # a library's researchers, for limited token keys
        from . import receivers  # noqa: F401  (connects them)
