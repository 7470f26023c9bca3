from django.apps import AppConfig


class AffiliationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "affiliations"
    verbose_name = "Affiliations (education, qualification, invited position, distinction, membership, service)"
