"""Reads of the ledger and the sync runs, for pages, the API, the admin and the sync."""

from __future__ import annotations

from typing import Iterable

from django.db.models import Count, Q, QuerySet

from .models import OrcidItem, SyncRun


def items_for_works(work_ids: Iterable[int]) -> dict[int, OrcidItem]:
    """The ledger row of each work that has one, by work id (one query)."""
    ids = [int(i) for i in work_ids]
    if not ids:
        return {}
    return {item.work_id: item for item in OrcidItem.objects.filter(kind=OrcidItem.Kind.WORK, work_id__in=ids)}


def items_for_employments(employment_ids: Iterable[int]) -> dict[int, OrcidItem]:
    """The ledger row of each employment that has one, by employment id (one query)."""
    ids = [int(i) for i in employment_ids]
    if not ids:
        return {}
    return {
        item.employment_id: item
        for item in OrcidItem.objects.filter(kind=OrcidItem.Kind.EMPLOYMENT, employment_id__in=ids)
    }


def researcher_ids_to_sync(*, unit=None, researcher=None) -> list[int]:
    """The researchers a run covers: those with an ORCID connection that can still take a
    write or a deletion, and something of theirs in scope (an item of `unit`, or any)."""
    from connections.models import OrcidConnection
    from employments.models import Employment
    from works.models import Work

    connections = OrcidConnection.objects.filter(
        Q(status=OrcidConnection.Status.ACTIVE)
        | Q(status=OrcidConnection.Status.REVOKED, revoked_by=OrcidConnection.RevokedBy.RESEARCHER)
    )
    if researcher is not None:
        connections = connections.filter(user=researcher)
    user_ids = set(connections.values_list("user_id", flat=True))
    if not user_ids:
        return []
    in_scope: set[int] = set()
    for model in (Work, Employment, OrcidItem):
        qs = model.objects.filter(researcher_id__in=user_ids)
        if unit is not None:
            qs = qs.filter(unit=unit)
        in_scope.update(qs.values_list("researcher_id", flat=True).distinct())
    return sorted(in_scope)


def items_visible_to(user) -> QuerySet[OrcidItem]:
    """The ledger rows a staff user may see: all for a superuser, else their units' items."""
    qs = OrcidItem.objects.all()
    if user.is_superuser:
        return qs
    return qs.filter(unit__staff=user)


def ledger_backlog(*, items: QuerySet[OrcidItem] | None = None) -> dict[str, int]:
    """How many ledger rows are in each state (what is owed shows as pending, error and
    outcome_unknown)."""
    qs = items if items is not None else OrcidItem.objects.all()
    counts = {state: 0 for state in OrcidItem.State.values}
    for row in qs.values("state").annotate(n=Count("id")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def recent_runs(*, limit: int = 20) -> list[SyncRun]:
    """The latest runs, oldest first (for a chart that reads left to right)."""
    return list(reversed(SyncRun.objects.order_by("-started_at", "-id")[:limit]))


def unsynced_eligible_works_count(*, units=None) -> int:
    """Works that are eligible and have no ledger row yet, of researchers with an active
    connection: the first-push backlog, for the overview page. Counted in SQL with the
    eligibility rule's twin (works.eligibility.works_eligible_q)."""
    from connections.models import OrcidConnection
    from works.eligibility import works_eligible_q
    from works.models import Work

    qs = Work.objects.filter(
        works_eligible_q(), orcid_item__isnull=True,
        researcher__orcid_connection__status=OrcidConnection.Status.ACTIVE,
    )
    if units is not None:
        qs = qs.filter(unit__in=units)
    return qs.count()


def ledger_summary_by_researcher(researcher_ids: Iterable[int]) -> dict[int, dict]:
    """Per researcher: items on ORCID, items with an error, and when ORCID last accepted a
    write (for the connections admin and dashboards). One query."""
    from django.db.models import Max

    ids = [int(i) for i in researcher_ids]
    summary = {i: {"on_orcid": 0, "errors": 0, "last_written_at": None} for i in ids}
    rows = (
        OrcidItem.objects.filter(researcher_id__in=ids)
        .values("researcher_id")
        .annotate(
            on_orcid=Count("id", filter=Q(state=OrcidItem.State.ON_ORCID)),
            errors=Count("id", filter=Q(state=OrcidItem.State.ERROR)),
            last_written_at=Max("written_at"),
        )
        .order_by()
    )
    for row in rows:
        summary[row["researcher_id"]] = {
            "on_orcid": row["on_orcid"], "errors": row["errors"], "last_written_at": row["last_written_at"],
        }
    return summary
