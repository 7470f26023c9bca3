from __future__ import annotations


def researcher_unit_ids(*, researcher_id: int) -> set[int]:
    """The units holding something about the researcher: a work, an employment, any other item,
    a ledger row (the adoption report's population), or an invitation when that app is there."""
    from django.apps import apps

    from putcodes.models import OrcidItem
    from reports.selectors import holding_models

    ids: set[int] = set()
    for model in (*holding_models(), OrcidItem):
        ids |= set(model.objects.filter(researcher_id=researcher_id).values_list("unit_id", flat=True).distinct())
    return ids | _invitation_units(apps, researcher_id)


def _invitation_units(apps, researcher_id: int) -> set[int]:
    if not apps.is_installed("invitations"):
        return set()
    try:
        from django.contrib.auth import get_user_model

        invitation = apps.get_model("invitations", "Invitation")
        username = get_user_model().objects.filter(pk=researcher_id).values_list("username", flat=True).first()
        return set(invitation.objects.filter(institutional_id__iexact=username or "").values_list("unit_id", flat=True))
    except Exception:  # its shape changed: the other units still hear
        return set()
