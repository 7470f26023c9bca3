from __future__ import annotations

from django.contrib.auth import get_user_model


def researcher_by_institutional_id(*, institutional_id: str):
    """The user whose username is `institutional_id` (any case); else, when some rows still name
    that ID (an invitation to someone who never signed in), an unsaved stand-in user with that
    username, so that export and erasure reach those rows; else None."""
    institutional_id = institutional_id.strip()
    user = get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()
    if user is not None:
        return user
    from .export import researcher_lookups

    stand_in = get_user_model()(username=institutional_id.lower())
    if any(model.objects.filter(q).exists() for model, q in researcher_lookups(stand_in)):
        return stand_in
    return None
