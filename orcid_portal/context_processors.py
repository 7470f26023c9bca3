from django.conf import settings


def portal(request):
    """Values every page shows: the institution's name, where ORCID is, whom to write to."""
    return {
        "institution_name": settings.INSTITUTION_NAME,
        "orcid_base_url": settings.ORCID_BASE_URL,
        "support_email": settings.SUPPORT_EMAIL,
    }
