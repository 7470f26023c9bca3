"""The adoption report (CONTRACT §3 `orcid_report`, §4 `GET /api/v1/reports/adoption`).

Who counts: a *researcher* is a person the institution holds something about: a work, an
employment or an item in the ledger, of any unit (or of the one unit asked for). Their
*departments* come from the HR data: the departments of their current employments (not
removed by HR, not ended before this year); a person in two departments counts in both, so
department rows may add up to more than the total, which counts each person once. A person
with no current employment is under NO_DEPARTMENT.

What counts: *connected* is a connection in state `active`; `connections_<state>` counts each
of `OrcidConnection.Status` (and `not_connected`); `items_on_orcid_<kind>` counts the ledger's
items in state `on_orcid` for each of `OrcidItem.Kind` (new kinds appear by themselves);
`items_failing` those ORCID refused (state `error`). A unit's row counts its own items only.

Cost: four grouped queries (population, departments, connections, items), whatever the size;
the rest is summing ~one tuple per (researcher, unit, kind) in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

NO_DEPARTMENT = "(no department)"
NOT_CONNECTED = "not_connected"


def connection_states() -> list[str]:
    from connections.models import OrcidConnection

    return [choice.value for choice in OrcidConnection.Status] + [NOT_CONNECTED]


def item_kinds() -> list[str]:
    from putcodes.models import OrcidItem

    return [choice.value for choice in OrcidItem.Kind]


def report_columns() -> list[str]:
    """The counting columns of every row, in order (the CSV's after `level` and `name`)."""
    return (
        ["researchers", "connected", "connected_percent"]
        + [f"connections_{state}" for state in connection_states()]
        + [f"items_on_orcid_{kind}" for kind in item_kinds()]
        + ["items_failing"]
    )


@dataclass
class _Tally:
    people: set = field(default_factory=set)
    connections: dict = field(default_factory=lambda: defaultdict(int))
    on_orcid: dict = field(default_factory=lambda: defaultdict(int))
    failing: int = 0

    def row(self) -> dict:
        researchers = len(self.people)
        connected = self.connections.get("active", 0)
        row = {
            "researchers": researchers,
            "connected": connected,
            "connected_percent": round(100.0 * connected / researchers, 1) if researchers else 0.0,
        }
        row.update({f"connections_{s}": self.connections.get(s, 0) for s in connection_states()})
        row.update({f"items_on_orcid_{k}": self.on_orcid.get(k, 0) for k in item_kinds()})
        row["items_failing"] = self.failing
        return row


def _population(unit_ids: list[int] | None) -> dict[int, set[int]]:
    """researcher id -> ids of the units holding something about them."""
    from employments.models import Employment
    from putcodes.models import OrcidItem
    from works.models import Work

    querysets = []
    for model in (Work, Employment, OrcidItem):
        qs = model.objects.all()
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=unit_ids)
        querysets.append(qs.order_by().values_list("researcher_id", "unit_id"))
    people: dict[int, set[int]] = defaultdict(set)
    for researcher_id, unit_id in querysets[0].union(*querysets[1:]):
        people[researcher_id].add(unit_id)
    return people


def _departments(today: dt.date) -> dict[int, set[str]]:
    from employments.models import Employment

    current = Employment.objects.filter(removed_at__isnull=True).filter(
        Q(end_year__isnull=True) | Q(end_year__gte=today.year)
    )
    departments: dict[int, set[str]] = defaultdict(set)
    for researcher_id, department in current.order_by().values_list("researcher_id", "department").distinct():
        departments[researcher_id].add((department or "").strip() or NO_DEPARTMENT)
    return departments


def _items(unit_ids: list[int] | None):
    """(researcher id, unit id, kind, on ORCID, failing) for every pair with either."""
    from putcodes.models import OrcidItem

    State = OrcidItem.State
    qs = OrcidItem.objects.filter(state__in=[State.ON_ORCID, State.ERROR])
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return (
        qs.order_by()
        .values_list("researcher_id", "unit_id", "kind")
        .annotate(
            on_orcid=Count("id", filter=Q(state=State.ON_ORCID)),
            failing=Count("id", filter=Q(state=State.ERROR)),
        )
    )


def adoption_report(*, units=None) -> dict:
    """The report for `units` (a list of Unit; None: the whole institution).

    Returns {"generated_at", "units_asked", "columns", "total": row, "units": [row + "unit",
    "name"], "departments": [row + "department"]}, rows sorted by name."""
    from connections.models import OrcidConnection
    from units.models import Unit

    unit_ids = [u.pk for u in units] if units is not None else None
    people = _population(unit_ids)
    departments = _departments(timezone.localdate())
    # Every connection (one short row each) rather than an IN list of thousands of ids.
    status_of = dict(OrcidConnection.objects.order_by().values_list("user_id", "status"))
    total, by_unit, by_department = _Tally(), defaultdict(_Tally), defaultdict(_Tally)
    for researcher_id, held_by in people.items():
        state = status_of.get(researcher_id, NOT_CONNECTED)
        tallies = [total] + [by_unit[u] for u in held_by]
        tallies += [by_department[d] for d in departments.get(researcher_id, (NO_DEPARTMENT,))]
        for tally in tallies:
            tally.people.add(researcher_id)
            tally.connections[state] += 1
    for researcher_id, unit_id, kind, on_orcid, failing in _items(unit_ids):
        tallies = [total, by_unit[unit_id]]
        tallies += [by_department[d] for d in departments.get(researcher_id, (NO_DEPARTMENT,))]
        for tally in tallies:
            tally.on_orcid[kind] += on_orcid
            tally.failing += failing
    names = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "code"))
    titles = dict(Unit.objects.filter(pk__in=list(by_unit)).values_list("pk", "name"))
    return {
        "generated_at": timezone.now().isoformat(),
        "units_asked": [u.code for u in units] if units is not None else None,
        "columns": report_columns(),
        "total": total.row(),
        "units": sorted(
            ({"unit": names[pk], "name": titles[pk], **tally.row()} for pk, tally in by_unit.items()),
            key=lambda row: row["unit"],
        ),
        "departments": sorted(
            ({"department": name, **tally.row()} for name, tally in by_department.items()),
            key=lambda row: row["department"].lower(),
        ),
    }
