from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from .schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="reports-seed-schedule")
