from django.apps import AppConfig


class OrcidSimulatorConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orcid_simulator"
