from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Researcher notifications"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
