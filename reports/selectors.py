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

Cost: a few grouped queries whatever the size (what the units hold, departments, connections,
the ledger by researcher and by unit), then summing ~one tuple per researcher and kind in
Python (benchmarks/bench_report.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

NO_DEPARTMENT = "(no department)"
NOT_CONNECTED = "not_connected"
NO_DEPARTMENTS = (NO_DEPARTMENT,)
ON_ORCID, FAILING = "on_orcid", "error"  # OrcidItem.State values the report counts


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
    """Counts of one row. A person is counted once per row (a unit or department holds each
    person once), so `researchers` is the sum of the connection states."""

    connections: Counter = field(default_factory=Counter)
    on_orcid: Counter = field(default_factory=Counter)
    failing: int = 0

    def row(self) -> dict:
        researchers = sum(self.connections.values())
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


def holding_models() -> list:
    """The models of things a unit holds about a researcher (Work, Employment, and the kinds
    added later: any model with a `unit` and a `researcher` key), not the ledger, whose every
    row is of one of them (and is counted by `_items_by_researcher`)."""
    from django.apps import apps
    from django.contrib.auth import get_user_model

    from putcodes.models import OrcidItem
    from units.models import Unit

    def key_to(model, name, target) -> bool:
        try:
            f = model._meta.get_field(name)
        except Exception:
            return False
        # Required keys only: a run or a consent event that may name a unit is not something held.
        return getattr(f, "many_to_one", False) and f.related_model is target and not f.null

    user = get_user_model()
    return [m for m in apps.get_models() if m is not OrcidItem and not m._meta.proxy
            and key_to(m, "unit", Unit) and key_to(m, "researcher", user)]


def _held_pairs(unit_ids: list[int] | None) -> set[tuple[int, int]]:
    """(researcher id, unit id) of what the units hold. One DISTINCT query per model: an
    index-only scan of the works' (researcher, unit) index on PostgreSQL."""
    pairs: set[tuple[int, int]] = set()
    for model in holding_models():
        qs = model.objects.all()
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=unit_ids)
        pairs.update(qs.order_by().values_list("researcher_id", "unit_id").distinct())
    return pairs


def _departments(today: dt.date) -> dict[int, set[str]]:
    from employments.models import Employment

    current = Employment.objects.filter(removed_at__isnull=True).filter(
        Q(end_year__isnull=True) | Q(end_year__gte=today.year)
    )
    departments: dict[int, set[str]] = defaultdict(set)
    for researcher_id, department in current.order_by().values_list("researcher_id", "department").distinct():
        departments[researcher_id].add((department or "").strip() or NO_DEPARTMENT)
    return departments


def _by_researcher(qs):
    return qs.order_by().values_list("researcher_id", "kind", "state").annotate(n=Count("*"))


def _items_by_researcher(unit_ids: list[int] | None, unit_items: list):
    """(researcher id, kind, state, count): for the departments and the total.

    The whole ledger is an index-only scan of its (researcher, kind, state) index on
    PostgreSQL; a unit filter cannot use that index, and grouping a large unit's rows by
    hashing is several times slower. So for units holding most of the ledger the answer is
    the whole ledger's minus the other units' (a small filtered read); for small units, their
    own rows are read directly (`unit_items` gives the sizes)."""
    from putcodes.models import OrcidItem

    if unit_ids is None:
        return list(_by_researcher(OrcidItem.objects.all()))
    asked = sum(n for unit_id, _kind, _state, n in unit_items if unit_id in unit_ids)
    others = sum(n for unit_id, _kind, _state, n in unit_items if unit_id not in unit_ids)
    if asked <= others:
        return list(_by_researcher(OrcidItem.objects.filter(unit_id__in=unit_ids)))
    counts = Counter({(r, k, s): n for r, k, s, n in _by_researcher(OrcidItem.objects.all())})
    other_units = sorted({unit_id for unit_id, _kind, _state, _n in unit_items if unit_id not in unit_ids})
    counts.subtract({(r, k, s): n for r, k, s, n in _by_researcher(OrcidItem.objects.filter(unit_id__in=other_units))})
    return [(r, k, s, n) for (r, k, s), n in counts.items() if n > 0]


def _items_by_unit():
    """(unit id, kind, state, count) of the whole ledger: for the units' rows (a few groups:
    a cheap parallel scan)."""
    from putcodes.models import OrcidItem

    return list(OrcidItem.objects.order_by().values_list("unit_id", "kind", "state").annotate(n=Count("*")))


@contextmanager
def _large_read():
    """On PostgreSQL, give the report's grouped scans room to hash in memory (the default 4 MB
    work_mem spills a million-row GROUP BY to disk) and skip JIT compilation, which costs more
    than it saves on these short queries. Only for this transaction (SET LOCAL)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '64MB'")
                cursor.execute("SET LOCAL jit = off")
        yield


def _count_people(pairs, items, status_of: dict, departments: dict, report: "_Rows") -> None:
    people: dict[int, set[int]] = defaultdict(set)
    for researcher_id, unit_id in pairs:
        people[researcher_id].add(unit_id)
    for researcher_id, _kind, _state, _n in items:
        people.setdefault(researcher_id, set())  # on the ledger only: in the total and departments
    total, by_unit, by_department = Counter(), Counter(), Counter()
    for researcher_id, held_by in people.items():
        state = status_of.get(researcher_id, NOT_CONNECTED)
        total[state] += 1
        for unit_id in held_by:
            by_unit[unit_id, state] += 1
        for name in departments.get(researcher_id, NO_DEPARTMENTS):
            by_department[name, state] += 1
    report.total.connections.update(total)
    for (unit_id, state), n in by_unit.items():
        report.units[unit_id].connections[state] += n
    for (name, state), n in by_department.items():
        report.departments[name].connections[state] += n


def _add_items(tally: "_Tally", kind: str, state: str, n: int) -> None:
    if state == ON_ORCID:
        tally.on_orcid[kind] += n
    elif state == FAILING:
        tally.failing += n


def _count_items(items, unit_items, departments: dict, report: "_Rows") -> None:
    for researcher_id, kind, state, n in items:
        if state in (ON_ORCID, FAILING):
            _add_items(report.total, kind, state, n)
            for name in departments.get(researcher_id, NO_DEPARTMENTS):
                _add_items(report.departments[name], kind, state, n)
    for unit_id, kind, state, n in unit_items:
        _add_items(report.units[unit_id], kind, state, n)


@dataclass
class _Rows:
    total: _Tally = field(default_factory=_Tally)
    units: dict = field(default_factory=lambda: defaultdict(_Tally))
    departments: dict = field(default_factory=lambda: defaultdict(_Tally))


def adoption_report(*, units=None) -> dict:
    """The report for `units` (a list of Unit; None: the whole institution).

    Returns {"generated_at", "units_asked", "columns", "total": row, "units": [row + "unit",
    "name"], "departments": [row + "department"]}, rows sorted by name."""
    from connections.models import OrcidConnection
    from units.models import Unit

    unit_ids = [u.pk for u in units] if units is not None else None
    with _large_read():
        pairs = _held_pairs(unit_ids)
        unit_items = _items_by_unit()
        items = _items_by_researcher(unit_ids, unit_items)
        if unit_ids is not None:
            unit_items = [row for row in unit_items if row[0] in unit_ids]
        departments = _departments(timezone.localdate())
        # Every connection (one short row each) rather than an IN list of thousands of ids.
        status_of = dict(OrcidConnection.objects.order_by().values_list("user_id", "status"))
    rows = _Rows()
    _count_people(pairs, items, status_of, departments, rows)
    _count_items(items, unit_items, departments, rows)
    total, by_unit, by_department = rows.total, rows.units, rows.departments
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
