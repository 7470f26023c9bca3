from django.apps import AppConfig


class OrcidProviderConfig(AppConfig):
    """django-allauth's `orcid` provider, made to follow ORCID_BASE_URL / ORCID_API_URL.

    It replaces allauth's stock ORCID provider (which must not be installed beside it):
    allauth registers providers by the `provider.py` of each installed app.
    """

    name = "connections.orcid_provider"
    label = "orcid_provider"
    verbose_name = "ORCID (allauth provider)"
