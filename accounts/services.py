"""Writes about people: the record of their consent choices.

`consent_record` is called by every service that sets or clears a researcher's choice about
an item (works, employments and the other kinds), so the admin can show who chose what, when
and how (issue 11: consent is the researcher's, and every change of it is traced).
"""

from __future__ import annotations

from typing import Iterable

from .models import ConsentEvent


def actor_label(by) -> str:
    """Who made a choice, as stored: a username, or the API key that acted for the researcher."""
    if by is None:
        return ""
    if isinstance(by, str):
        return by[:200]
    api_key = getattr(by, "api_key", None)
    if api_key is not None:
        return f"API key {api_key}"[:200]
    if hasattr(by, "prefix") and hasattr(by, "unit_id"):
        return f"API key {by}"[:200]
    return str(getattr(by, "username", by))[:200]


def consent_record(*, items: Iterable, kind: str, approved: bool | None, by, via: str) -> int:
    """Add one `ConsentEvent` per item (objects with `researcher_id`, `unit_id`, `pk`, `local_id`).

    `via` is a `ConsentEvent.Via` value. Returns how many events were written (one INSERT per
    thousand items, whatever the count)."""
    actor = actor_label(by) or "unknown"
    events = [
        ConsentEvent(researcher_id=item.researcher_id, unit_id=getattr(item, "unit_id", None), kind=kind,
                     object_id=item.pk, local_id=getattr(item, "local_id", "") or "", approved=approved,
                     actor=actor, via=via)
        for item in items
    ]
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def consent_history(*, kind: str, object_id: int):
    """The item's choices, newest first."""
    return ConsentEvent.objects.filter(kind=kind, object_id=object_id).order_by("-created_at", "-id")
