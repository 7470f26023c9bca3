from django.apps import AppConfig


class InvitationsConfig(AppConfig):
    """Invitations to connect an ORCID iD: personal links by email, reminders, ORCID inbox
    notices, and the first sync when someone connects. The top layer: it listens to the
    connections app's events and signals; no other app imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "invitations"
    verbose_name = "Invitations to connect ORCID"
