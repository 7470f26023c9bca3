from django.conf import settings


def portal(request):
    """Values every page shows: the institution's name and where ORCID is."""
    return {
        "institution_name": settings.INSTITUTION_NAME,
        "orcid_base_url": settings.ORCID_BASE_URL,
    }
