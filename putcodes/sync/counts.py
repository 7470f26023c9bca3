"""What a researcher's sync (or a whole run) did, per outcome, in items."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .ledger import error_message


@dataclass
class SyncCounts:
    """What one researcher's sync (or a whole run) did, per outcome, in items."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    OUTCOMES = ("created", "updated", "deleted", "unchanged", "skipped", "failed")

    def add(self, other: "SyncCounts") -> None:
        for name in self.OUTCOMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    @property
    def writes_owed(self) -> bool:
        return bool(self.created or self.updated or self.deleted or self.failed)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.OUTCOMES}

    def summary_line(self) -> str:
        return " ".join(f"{name}={getattr(self, name)}" for name in self.OUTCOMES)

    def add_plan_without_calls(self, plan) -> None:
        """A plan that is not carried out (nothing to call, or another writer holds the
        record): its writes count as skipped."""
        self.unchanged += plan.unchanged
        self.skipped += plan.skipped + plan.writes


def error_note(item, error: Exception, researcher=None) -> dict[str, Any]:
    """A run's record of an error (putcodes.SyncError's fields)."""
    return {
        "item_id": item.pk if item is not None else None,
        "researcher_id": getattr(researcher, "pk", None) or (item.researcher_id if item is not None else None),
        "status": getattr(error, "status", None),
        "error_code": getattr(error, "error_code", None),
        "message": error_message(error)[:2000],
    }


def failure_note(researcher_id: int, error: Exception) -> dict[str, Any]:
    """A run's record of a researcher whose sync failed outright (a database or program error)."""
    return {
        "item_id": None, "researcher_id": researcher_id, "status": None, "error_code": None,
        "message": f"{type(error).__name__}: {error}"[:2000],
    }
