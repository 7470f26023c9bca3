"""Benchmark of the adoption report (reports.selectors.adoption_report) on a large database.

    DATABASE_URL=postgres://orcid_portal:...@127.0.0.1:5432/bench_report_db \\
        .venv/bin/python benchmarks/bench_report.py                     # 20,000 researchers, 1,000,000 items
    .venv/bin/python benchmarks/bench_report.py --researchers 2000 --items 100000   # SQLite, a quick run

Target (issue 15): the report for 20,000 researchers and 1,000,000 items in under 2 s on
PostgreSQL. The script migrates the database it is given (use a database of its own: it
deletes the benchmark's rows and refills them), fills it with SQL (generate_series on
PostgreSQL, batched inserts elsewhere): one HR employment per researcher in 200 departments,
connections for 65% (60% active, 5% revoked), a library work per item, and the ledger items
(mostly on ORCID, 1% refused, 5% pending; employments on ORCID for the connected), then
times the whole-institution report and a one-unit report (best and median of --repeat runs)
and the CSV rendering.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    os.environ.setdefault("PORTAL_ENV_FILE", "/nonexistent")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _literal(value, vendor: str) -> str:
    import json

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("true" if value else "false") if vendor == "postgresql" else str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def _column_sql(field, vendor: str) -> str:
    """What an INSERT ... SELECT writes into a column the benchmark does not set itself."""
    from django.db.models import NOT_PROVIDED

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "CURRENT_TIMESTAMP"
    if field.default is not NOT_PROVIDED:
        return _literal(field.get_default(), vendor)
    if field.null:
        return "NULL"
    if field.get_internal_type() in ("CharField", "TextField", "EmailField", "URLField", "SlugField"):
        return "''"
    raise SystemExit(f"bench_report: no value for {field.model.__name__}.{field.name}; add it to the overrides")


def _insert(cursor, model, count: int, values: dict[str, str]) -> None:
    """INSERT `count` rows of `model` with SQL expressions of `g` (1..count) for `values`."""
    from django.db import connection

    vendor = connection.vendor
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    select = ", ".join(values.get(f.column, None) or _column_sql(f, vendor) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    if vendor == "postgresql":
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {select} FROM generate_series(1, {count}) AS s(g)")
    else:
        cursor.execute(
            f"WITH RECURSIVE series(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM series WHERE g < {count}) "
            f"INSERT INTO {table} ({columns}) SELECT {select} FROM series"
        )


def _fill(researchers: int, items: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from connections.models import OrcidConnection
    from employments.models import Employment
    from putcodes.models import OrcidItem
    from units.models import Unit
    from works.models import Work

    with transaction.atomic(), connection.cursor() as cursor:
        for model in (OrcidItem, Work, Employment, OrcidConnection):
            model.objects.all()._raw_delete(model.objects.db)
        get_user_model().objects.filter(username__startswith="bench").delete()
        hr, _ = Unit.objects.get_or_create(code="hr", defaults={"name": "Human Resources"})
        library, _ = Unit.objects.get_or_create(code="library", defaults={"name": "Library"})
        _insert(cursor, get_user_model(), researchers, {
            "password": "'!'", "username": "'bench' || g", "first_name": "'Bench'", "last_name": "'R' || g",
            "email": "'bench' || g || '@example.edu'", "date_joined": "CURRENT_TIMESTAMP",
        })
        cursor.execute("SELECT MIN(id) FROM accounts_user WHERE username LIKE 'bench%'")
        base = cursor.fetchone()[0] - 1
        rid = f"({base} + 1 + (g % {researchers}))"
        _insert(cursor, Employment, researchers, {
            "unit_id": str(hr.pk), "researcher_id": f"{base} + g", "local_id": "'emp' || g",
            "department": "'Department ' || (g % 200)", "role_title": "'Professor'", "start_year": "2020",
        })
        _insert(cursor, OrcidConnection, researchers * 65 // 100, {
            "user_id": f"{base} + g", "orcid": "'0000-0000-' || g", "scopes": "'[]'",
            "status": "CASE WHEN g % 13 = 0 THEN 'revoked' ELSE 'active' END", "connected_at": "CURRENT_TIMESTAMP",
        })
        work_items = items - researchers * 60 // 100
        _insert(cursor, Work, work_items, {
            "unit_id": str(library.pk), "researcher_id": rid, "local_id": "'w' || g", "title": "'A work'",
        })
        state = "CASE WHEN g % 100 = 0 THEN 'error' WHEN g % 100 < 6 THEN 'pending' ELSE 'on_orcid' END"
        _insert(cursor, OrcidItem, work_items, {
            "unit_id": str(library.pk), "researcher_id": rid, "orcid": "'0000'", "kind": "'work'",
            "local_id": "'w' || g", "put_code": "g", "state": state,
        })
        _insert(cursor, OrcidItem, researchers * 60 // 100, {
            "unit_id": str(hr.pk), "researcher_id": f"{base} + g", "orcid": "'0000'", "kind": "'employment'",
            "local_id": "'emp' || g", "put_code": "g", "state": "'on_orcid'",
        })
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _time(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--researchers", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-fill", action="store_true", help="Reuse the rows of an earlier run.")
    args = parser.parse_args()
    _setup(args.database_url)
    from django.db import connection

    from putcodes.models import OrcidItem
    from reports.formats import report_csv
    from reports.selectors import adoption_report
    from units.models import Unit

    if not args.no_fill:
        start = time.perf_counter()
        _fill(args.researchers, args.items)
        print(f"filled in {time.perf_counter() - start:.1f} s")
    print(f"database: {connection.vendor}; ledger items: {OrcidItem.objects.count():,}")
    report = adoption_report()
    print(f"total row: researchers={report['total']['researchers']:,} connected={report['total']['connected']:,} "
          f"on ORCID (work)={report['total']['items_on_orcid_work']:,} failing={report['total']['items_failing']:,}; "
          f"{len(report['departments'])} departments")
    best, median = _time(lambda: adoption_report(), args.repeat)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"whole institution: best {best:.3f} s, median {median:.3f} s (target < 2 s; load average {load:.1f} "
          f"on {os.cpu_count()} CPUs)")
    library = [Unit.objects.get(code="library")]
    best, median = _time(lambda: adoption_report(units=library), args.repeat)
    print(f"one unit (library): best {best:.3f} s, median {median:.3f} s")
    best, median = _time(lambda: report_csv(adoption_report()), args.repeat)
    print(f"whole institution as CSV: best {best:.3f} s, median {median:.3f} s")


if __name__ == "__main__":
    main()
