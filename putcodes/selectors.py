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


# A withdrawn row is the institution's DELETE. It was the researcher's own choice when they said
# "don't add" (approved False) or disconnected asking for their items to be removed; otherwise
# the institution withdrew it (the unit stopped listing it, made it private, withdrew the unit).
WITHDRAWN_BY_RESEARCHER = "withdrawn_by_researcher"
WITHDRAWN_BY_RESEARCHER_LABEL = "Withdrawn at the researcher's request"
WITHDRAWN_BY_INSTITUTION_LABEL = "Withdrawn by the institution"


def withdrawn_by_researcher_q() -> Q:
    """Withdrawn ledger rows whose withdrawal the researcher asked for (see above)."""
    from connections.models import OrcidConnection

    chose = (
        Q(work__approved=False) | Q(employment__approved=False)
        | Q(affiliation__approved=False) | Q(funding__approved=False)
        | Q(researcher__orcid_connection__status=OrcidConnection.Status.DISCONNECTED)
    )
    return Q(state=OrcidItem.State.WITHDRAWN) & chose


def ledger_states_by_kind(*, items: QuerySet[OrcidItem] | None = None) -> dict[tuple[str, str], int]:
    """Ledger rows per (kind, state), with withdrawn rows split: the researcher's own choice
    counts under WITHDRAWN_BY_RESEARCHER, the institution's under `withdrawn`. Two queries."""
    qs = items if items is not None else OrcidItem.objects.all()
    counts: dict[tuple[str, str], int] = {}
    for row in qs.values("kind", "state").annotate(n=Count("id")).order_by():
        counts[(row["kind"], row["state"])] = row["n"]
    by_researcher = qs.filter(withdrawn_by_researcher_q()).values("kind").annotate(n=Count("id", distinct=True))
    for row in by_researcher.order_by():
        key = (row["kind"], OrcidItem.State.WITHDRAWN.value)
        counts[key] = counts.get(key, 0) - row["n"]
        counts[(row["kind"], WITHDRAWN_BY_RESEARCHER)] = row["n"]
    return counts


def ledger_state_labels() -> list[tuple[str, str]]:
    """The ledger's states in the order pages show them, withdrawn split in two."""
    labels = []
    for value, label in OrcidItem.State.choices:
        if value == OrcidItem.State.WITHDRAWN:
            labels.append((value, WITHDRAWN_BY_INSTITUTION_LABEL))
            labels.append((WITHDRAWN_BY_RESEARCHER, WITHDRAWN_BY_RESEARCHER_LABEL))
        else:
            labels.append((value, label))
    return labels
