from django.urls import path, register_converter

from . import views


class OrcidConverter:
    regex = r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrcidConverter, "orcid")

urlpatterns = [
    path("webhooks/orcid/<orcid:orcid>/<slug:token>/", views.callback, name="webhook-callback"),
]
