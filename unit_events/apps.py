from django.apps import AppConfig
from django.db.models.signals import post_migrate


class UnitEventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "unit_events"
    verbose_name = "Unit event endpoints"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="unit-events-seed-schedule")
