from django.apps import AppConfig


class AffiliationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "affiliations"
    verbose_name = "Affiliations (education, qualification, invited position, distinction, membership, service)"

    def ready(self) -> None:
        from units.membership import membership_register, model_membership

        from .models import Affiliation

        membership_register(model_membership(Affiliation))  # the unit's people, for limited token keys
        from . import receivers  # noqa: F401  (connects them)
