from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InvitationsConfig(AppConfig):
    """Invitations to connect an ORCID iD: personal links by email, reminders, ORCID inbox
    notices, and the first sync when someone connects. The top layer: it listens to the
    connections app's events and signals; no other app imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = "Invitations to connect ORCID"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
        from .schedule import _post_migrate

        post_migrate.connect(_post_migrate, sender=self, dispatch_uid="invitations-seed-schedule")
