"""The operations landing page of the admin (/admin/operations/): what a library's staff need at a
glance: connections by state, ledger items by kind and state, failing items, recent runs and the
backlog. Unit staff see their units' figures only (units.permissions.user_unit_ids); superusers
see everything. Reads only: the figures come from the apps' selectors."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.template.response import TemplateResponse

from connections.models import OrcidConnection
from putcodes.models import OrcidItem, SyncRun
from putcodes.selectors import ledger_state_labels, ledger_states_by_kind, unsynced_eligible_works_count
from putcodes.svg import runs_chart
from units.models import Unit
from units.permissions import unit_scoped, user_unit_ids

OWED_STATES = (OrcidItem.State.PENDING, OrcidItem.State.OUTCOME_UNKNOWN, OrcidItem.State.ERROR)


def _scoped_items(user):
    return unit_scoped(OrcidItem.objects.all(), user=user)


def connections_by_state(*, user) -> list[dict]:
    """Connections per status; unit staff count the researchers who have items of their units."""
    qs = OrcidConnection.objects.all()
    unit_ids = user_unit_ids(user)
    if unit_ids is not None:
        from affiliations.models import Affiliation
        from employments.models import Employment
        from funding.models import Funding
        from works.models import Work

        # A unit's people: whoever has an item of the unit, written to ORCID or not.
        people = Q(user_id__in=_scoped_items(user).values("researcher_id"))
        for model in (Work, Employment, Affiliation, Funding):
            people |= Q(user_id__in=model.objects.filter(unit__in=unit_ids).values("researcher_id"))
        qs = qs.filter(people)
    counts = dict(qs.values_list("status").annotate(n=Count("id")).order_by())
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in OrcidConnection.Status.choices
    ]


def items_table(*, user) -> dict:
    """Ledger rows as a table: one row per kind that has any, one column per state (withdrawn
    split into the institution's withdrawals and researchers' own choices), with totals."""
    counts = ledger_states_by_kind(items=_scoped_items(user))
    states = ledger_state_labels()
    rows = []
    for kind, label in OrcidItem.Kind.choices:
        cells = [counts.get((kind, state), 0) for state, _ in states]
        if any(cells):
            rows.append({"kind": kind, "label": label, "cells": cells, "total": sum(cells)})
    totals = [sum(row["cells"][i] for row in rows) for i in range(len(states))]
    return {"states": states, "rows": rows, "totals": totals, "total": sum(totals)}


def failing_items(*, user, limit: int = 10) -> list[OrcidItem]:
    """The latest items ORCID refused (state error), newest first."""
    return list(
        _scoped_items(user).filter(state=OrcidItem.State.ERROR)
        .select_related("unit", "researcher", "work", "employment", "affiliation", "funding")
        .order_by("-last_error_at", "-id")[:limit]
    )


def runs_visible(*, user, limit: int = 20) -> list[SyncRun]:
    """The latest runs the user may see, oldest first (unit staff: runs of their units)."""
    qs = unit_scoped(SyncRun.objects.all(), user=user).select_related("unit")
    return list(reversed(qs.order_by("-started_at", "-id")[:limit]))


def backlog(*, user) -> dict:
    """What is owed to ORCID: ledger rows waiting, unknown or refused, and approved works of
    connected researchers that have no ledger row yet."""
    unit_ids = user_unit_ids(user)
    units = None if unit_ids is None else list(Unit.objects.filter(pk__in=unit_ids))
    owed = dict(
        _scoped_items(user).filter(state__in=OWED_STATES).values_list("state").annotate(n=Count("id")).order_by()
    )
    return {
        "pending": owed.get(OrcidItem.State.PENDING, 0),
        "outcome_unknown": owed.get(OrcidItem.State.OUTCOME_UNKNOWN, 0),
        "error": owed.get(OrcidItem.State.ERROR, 0),
        "owed": sum(owed.values()),
        "unsynced_works": unsynced_eligible_works_count(units=units),
    }


def may_see_operations(user) -> bool:
    return user.is_active and user.is_staff and (
        user.is_superuser or user.has_perm("putcodes.view_orciditem") or user.has_perm("putcodes.view_syncrun")
    )


def operations_view(request):
    """The page itself; wrapped in admin.site.admin_view by the project's urls."""
    if not may_see_operations(request.user):
        raise PermissionDenied
    runs = runs_visible(user=request.user)
    unit_ids = user_unit_ids(request.user)
    context = {
        **admin.site.each_context(request),
        "title": "Operations",
        "scope": "all units" if unit_ids is None else ", ".join(
            Unit.objects.filter(pk__in=unit_ids).order_by("name").values_list("name", flat=True)
        ) or "no unit",
        "connections": connections_by_state(user=request.user),
        "items": items_table(user=request.user),
        "failing": failing_items(user=request.user),
        "runs": list(reversed(runs))[:10],
        "chart": runs_chart(runs),
        "backlog": backlog(user=request.user),
    }
    return TemplateResponse(request, "admin/operations.html", context)


operations_admin_view = admin.site.admin_view(operations_view)
