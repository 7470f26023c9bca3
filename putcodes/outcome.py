"""What a researcher's own sync did, in words they read (issue 14): counts per kind with correct
plurals ("4 works and 1 employment added"), and, when nothing could be written, why and what to do.

Pure functions of plain data (`outcome_words`, `blocker_message`), tested without a database;
`changes_since` reads the ledger to count per kind what one run changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# One noun per kind, singular and plural, as a researcher reads them.
NOUNS = {
    "work": ("work", "works"),
    "employment": ("employment", "employments"),
    "education": ("education entry", "education entries"),
    "qualification": ("qualification", "qualifications"),
    "invited-position": ("invited position", "invited positions"),
    "distinction": ("distinction", "distinctions"),
    "membership": ("membership", "memberships"),
    "service": ("service activity", "service activities"),
    "funding": ("funding item", "funding items"),
    "item": ("item", "items"),
}
KIND_ORDER = list(NOUNS)


def count_noun(count: int, kind: str) -> str:
    """`count_noun(1, "work")` is "1 work", `count_noun(4, "work")` "4 works"."""
    singular, plural = NOUNS.get(kind, (kind, kind + "s"))
    return f"{count:,} {singular if count == 1 else plural}"


def join_words(parts: list[str]) -> str:
    """["a"] -> "a"; ["a", "b"] -> "a and b"; ["a", "b", "c"] -> "a, b and c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def kinds_in_words(per_kind: dict[str, int]) -> str:
    """{"work": 4, "employment": 1} -> "4 works and 1 employment" (kinds in ORCID's order)."""
    ordered = sorted((k for k, n in per_kind.items() if n), key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    return join_words([count_noun(per_kind[k], k) for k in ordered])


@dataclass
class Changes:
    """What one run changed on the record, per kind."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated or self.removed)


# Why nothing could be written, and what the researcher can do, by connection status.
BLOCKERS = {
    "not_connected": "Nothing was sent: your ORCID iD is not connected. Connect it on your dashboard first.",
    "disconnected": "Nothing was sent: your ORCID iD is not connected. Connect it on your dashboard first.",
    "revoked": (
        "Nothing could be written: ORCID refused the portal's access to your record (access was revoked on ORCID). "
        "Reconnect your ORCID iD on your dashboard; what you chose is kept and written then."
    ),
    "expired": (
        "Nothing could be written: the portal's access to your ORCID record has expired. "
        "Reconnect your ORCID iD on your dashboard; what you chose is kept and written then."
    ),
    "locked": (
        "Nothing could be written: ORCID has locked your record, so nobody can change it just now. "
        "Your items wait and are added as soon as ORCID unlocks it; contact ORCID support if you did not expect this."
    ),
    "deactivated": (
        "Nothing could be written: your ORCID record is deactivated. Reactivate it on ORCID and connect it here again, "
        "or connect the iD you use now."
    ),
    "deprecated": (
        "Nothing could be written: ORCID merged this record into another iD. Connect the iD you use now on your dashboard."
    ),
    "no_write_scope": (
        "Nothing could be written: when you connected, ORCID did not grant permission to add items to your record. "
        "Connect again and allow it."
    ),
}
UNAVAILABLE = (
    "ORCID could not be reached (or failed to answer), so {what} could not be written just now. "
    "Nothing is lost: the portal tries again at its next sync, or try again in a few minutes."
)
PAUSED_ONE = "1 item waits because its unit has paused sending to ORCID; it is added once the unit resumes."
PAUSED_MANY = "{count:,} items wait because their unit has paused sending to ORCID; they are added once it resumes."
UP_TO_DATE = "Your ORCID record is up to date: it already has everything you chose to add."


def blocker_key(*, status: str | None, can_write: bool) -> str | None:
    """The reason a connection cannot take this researcher's writes (a BLOCKERS key), or None."""
    if status is None:
        return "not_connected"
    if status in BLOCKERS:
        return status
    if status == "active" and not can_write:
        return "no_write_scope"
    return None


def blocker_message(key: str) -> str:
    return BLOCKERS[key]


BLOCKED_OPENINGS = ("Nothing could be written", "Nothing was sent")


def note_says_blocked(note: str) -> bool:
    """A run closed as finished whose note says nothing could be written (the researcher's
    connection or record, not the portal: no operator incident, yet the researcher reads
    "failed")."""
    return note.startswith(BLOCKED_OPENINGS)


def outcome_words(*, changes: Changes, unavailable: dict[str, int], paused: int, failed: int = 0) -> str:
    """The sentence shown after a sync that could run: what changed, what waits and why.
    `failed`: the run's failed items; those neither refused nor unavailable are "items"."""
    unexplained = failed - sum(changes.refused.values()) - sum(unavailable.values())
    if unexplained > 0:
        unavailable = {**unavailable, "item": unavailable.get("item", 0) + unexplained}
    sentences = []
    for verb, per_kind in (("added to", changes.added), ("updated on", changes.updated), ("removed from", changes.removed)):
        if per_kind:
            sentences.append(f"{kinds_in_words(per_kind)} {verb} your ORCID record.")
    if changes.refused:
        sentences.append(
            f"ORCID refused {kinds_in_words(changes.refused)}; each one's state says why (fix it at the source, "
            "then sync again)."
        )
    if unavailable:
        sentences.append(UNAVAILABLE.format(what=kinds_in_words(unavailable)))
    if paused:
        sentences.append(PAUSED_ONE if paused == 1 else PAUSED_MANY.format(count=paused))
    if not sentences:
        return UP_TO_DATE
    return " ".join(sentences)


def changes_since(*, researcher, put_codes_before: dict[int, int | None], since) -> Changes:
    """Per kind, the researcher's ledger rows this run wrote (added: no put-code before;
    updated: had one), withdrew, or saw refused (an error recorded since `since`)."""
    from .models import OrcidItem

    changes = Changes()
    rows = OrcidItem.objects.filter(researcher=researcher, updated_at__gte=since).values_list(
        "pk", "kind", "state", "written_at", "withdrawn_at", "last_error_at", "last_error_status"
    )
    for pk, kind, state, written_at, withdrawn_at, error_at, error_status in rows:
        if state == OrcidItem.State.WITHDRAWN and withdrawn_at and withdrawn_at >= since:
            target = changes.removed
        elif state == OrcidItem.State.ON_ORCID and written_at and written_at >= since:
            target = changes.updated if put_codes_before.get(pk) else changes.added
        elif state == OrcidItem.State.ERROR and error_at and error_at >= since and error_status and error_status < 500:
            target = changes.refused
        else:
            continue
        target[kind] = target.get(kind, 0) + 1
    return changes


def unavailable_in(*, run) -> dict[str, int]:
    """Per kind, the items of `run` that met ORCID down (a 5xx or no answer, after the retries):
    from the run's errors; failed items without such an error count as "item"."""
    from django.db.models import Q

    from .models import SyncError

    errors = SyncError.objects.filter(run=run).filter(Q(status__isnull=True) | Q(status__gte=500))
    per_kind: dict[str, int] = {}
    for kind in set(errors.exclude(item=None).values_list("item_id", "item__kind")):
        per_kind[kind[1]] = per_kind.get(kind[1], 0) + 1
    return per_kind
