from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PrivacyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from .schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="privacy-seed-schedule")
