"""What an import did: one outcome per row, in the file's order, and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field

# Rejected rows kept in memory for the report's list; the count goes on beyond it.
MAX_REPORTED_ERRORS = 10_000


@dataclass(frozen=True)
class RowOutcome:
    """What the import did with one row: created, updated, unchanged, restored or rejected.
    `where` is "line 3" (CSV, the header being line 1) or "item 3" (JSON)."""

    where: str
    number: int
    local_id: str
    outcome: str
    reason: str = ""

    @property
    def line(self) -> int:
        return self.number


def report_line(outcome: RowOutcome) -> str:
    """The per-row report line (CONTRACT §3): `line N (ID): created`, `line N (ID): rejected: reason`."""
    label = f" ({outcome.local_id})" if outcome.local_id else ""
    text = f"{outcome.where}{label}: {outcome.outcome}"
    return f"{text}: {outcome.reason}" if outcome.outcome == "rejected" else text


@dataclass
class ImportReport:
    """The counts of one import, the rejected rows (the first MAX_REPORTED_ERRORS of them), what
    a snapshot ended or removed, and why a snapshot was not applied (`prune_refused`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    restored: int = 0
    ended: int = 0
    removed: int = 0
    rejected_count: int = 0
    researchers_created: int = 0
    rejected: list[RowOutcome] = field(default_factory=list)
    ended_local_ids: list[str] = field(default_factory=list)
    removed_local_ids: list[str] = field(default_factory=list)
    prune_refused: str = ""

    def add(self, outcome: RowOutcome) -> None:
        if outcome.outcome == "rejected":
            self.rejected_count += 1
            if len(self.rejected) < MAX_REPORTED_ERRORS:
                self.rejected.append(outcome)
        else:
            setattr(self, outcome.outcome, getattr(self, outcome.outcome) + 1)

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.restored + self.rejected_count

    @property
    def errors(self) -> list[RowOutcome]:
        return self.rejected

    def summary(self, names: tuple[str, ...] = ("created", "updated", "unchanged", "rejected")) -> str:
        """`created=N updated=N ...` for the counts named (`rejected` is the full count)."""
        return " ".join(f"{name}={self.rejected_count if name == 'rejected' else getattr(self, name)}"
                        for name in names)
