from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = "ORCID webhooks"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
