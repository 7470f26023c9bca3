"""Reads of invitations (for the admin, the API, and a person's export)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Invitation


def invitations_for_institutional_id(*, institutional_id: str) -> QuerySet[Invitation]:
    """Every invitation sent to this person (any unit, newest first); never the link."""
    return Invitation.objects.select_related("unit").filter(institutional_id=institutional_id.strip().lower())


def invitation_export(invitation: Invitation) -> dict:
    """An invitation as plain data, without its link or the link's hash."""
    return {
        "unit": invitation.unit.code, "email": invitation.email, "given_names": invitation.given_names,
        "family_names": invitation.family_names, "status": invitation.status,
        "created_at": invitation.created_at.isoformat(), "expires_at": invitation.expires_at.isoformat(),
        "sent_at": invitation.sent_at.isoformat() if invitation.sent_at else None,
        "reminders": invitation.reminders,
        "connected_at": invitation.connected_at.isoformat() if invitation.connected_at else None,
        "orcid_notified": invitation.orcid_notified or None,
    }
