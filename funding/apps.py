from django.apps import AppConfig


class FundingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funding"
    verbose_name = "Funding"

    def ready(self) -> None:
        from units.membership import membership_register, model_membership

        from .models import Funding

        membership_register(model_membership(Funding))  # the unit's people, for limited token keys
        from . import receivers  # noqa: F401  (connects them)
