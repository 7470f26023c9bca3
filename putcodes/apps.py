from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PutcodesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "putcodes"
    verbose_name = "ORCID sync (PUT codes)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects them)
        from .schedule import _post_migrate

        # After migrate (and test-database flushes), make sure the named sync entry exists.
        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="putcodes-seed-schedule")
