from __future__ import annotations

from django.contrib.auth import get_user_model


def researcher_by_institutional_id(*, institutional_id: str):
    """The user whose username is `institutional_id` (any case), or None."""
    return get_user_model().objects.filter(username__iexact=institutional_id.strip()).order_by("id").first()
