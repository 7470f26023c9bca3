"""Reads of the central ORCID token store."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import ConnectionEvent, OrcidConnection


def connection_for_user(*, user) -> OrcidConnection | None:
    """The user's connection (in any status), or None if they never connected."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return OrcidConnection.objects.select_related("user").filter(user=user).first()


def connection_for_institutional_id(*, institutional_id: str) -> OrcidConnection | None:
    """The connection of the user with this institutional ID, or None."""
    return OrcidConnection.objects.select_related("user").filter(user__username=institutional_id).first()


def researcher_by_institutional_id(*, institutional_id: str):
    """The user whose institutional ID this is (whatever its case), or None."""
    return get_user_model().objects.filter(username__iexact=institutional_id).order_by("id").first()


def connections_active() -> QuerySet[OrcidConnection]:
    """Connections the sync may write through."""
    return OrcidConnection.objects.select_related("user").filter(status=OrcidConnection.Status.ACTIVE)


def connection_events(*, connection: OrcidConnection, limit: int = 20) -> list[ConnectionEvent]:
    return list(connection.events.all()[:limit])
