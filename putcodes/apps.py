from django.apps import AppConfig


class PutcodesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "putcodes"
