from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, metrics, alerts and structured logs for the engineer on call (the top layer:
    it reads every app's tables, and no app imports it)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "operations"

    def ready(self) -> None:
        from orcid_client.observers import observer_add

        from . import alerts, checks, logs, metrics  # noqa: F401  (checks registers the system checks)

        observer_add(metrics.ORCID_CALLS_OBSERVER)
        observer_add(alerts.ORCID_OUTAGE_OBSERVER)
        alerts.connect_signals()
        logs.connect_signals()
