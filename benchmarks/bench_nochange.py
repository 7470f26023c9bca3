"""Benchmark of a no-change sync run over many works (issue 17, item 4).

    .venv/bin/python benchmarks/bench_nochange.py                                  # 20,000 x 50 = 1,000,000 works, SQLite
    .venv/bin/python benchmarks/bench_nochange.py --researchers 2000               # 100,000 works
    .venv/bin/python benchmarks/bench_nochange.py --database postgres://u:p@127.0.0.1:5432/bench_nochange_me

A no-change run makes no ORCID call, so no simulator is needed: researchers, connections,
approved works and their ledger rows ('on_orcid', as the last run left them, with the written
fingerprint of issue 17 when the ledger has it) are built directly in the database, then one
sync run (in-process, `sync_run_execute`) is timed. It prints the run's wall time, its CPU,
the time per work and the peak RSS of this process (the set-up is included in the peak: the
figure to read is the run's own RSS growth, printed too).

`--real-hashes` stores each work's real content hash (serialised: slow to set up at a million);
without it the ledger's hash is a stand-in that only the written fingerprint can vouch for
(a ledger without fingerprints then updates every work: use --real-hashes to measure such a
ledger).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=20000)
    parser.add_argument("--works", type=int, default=50, help="works per researcher")
    parser.add_argument("--database", default="", help="a DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--real-hashes", action="store_true", help="serialise every work for its ledger hash")
    parser.add_argument("--runs", type=int, default=1, help="no-change runs to time")
    parser.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)  # the timed process
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-nochange-"))
    database = args.database or f"sqlite:///{workdir / 'db.sqlite3'}"
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_sync import production_env

    for name, value in production_env().items():  # DEBUG off, as deployed; the timed process
        os.environ.setdefault(name, value)          # inherits these (the same token key)
    os.environ.update({
        "PORTAL_ENV_FILE": "/nonexistent",
        "DATABASE_URL": database,
        "ORCID_WEBHOOKS_ENABLED": "false",
        "PORTAL_VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
    })
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.run_only:
        _run(args)
        return
    try:
        _setup(args)
        # The runs in a process of their own: its peak RSS is the run's, not the set-up's.
        subprocess.run(
            [sys.executable, __file__, "--run-only", "--runs", str(args.runs), "--database", database], check=True
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _setup(args) -> None:
    from django.core.management import call_command
    from django.db import connection

    t = time.monotonic()
    if args.database:
        call_command("migrate", verbosity=0)
        call_command("flush", interactive=False, verbosity=0)
    else:
        with connection.cursor() as cursor:  # a throw-away database: no fsync while loading
            cursor.execute("PRAGMA synchronous=OFF")
        call_command("migrate", verbosity=0)
    print(f"database migrated in {time.monotonic() - t:.1f} s ({'PostgreSQL' if args.database else 'SQLite'})")
    t = time.monotonic()
    n = _load(args) if args.real_hashes else _load_sql(args)
    print(f"loaded {args.researchers} researchers, {n} works and ledger rows in {time.monotonic() - t:.1f} s")


def _run(args) -> None:
    import gc

    from putcodes.models import OrcidItem, SyncRun
    from putcodes.services import sync_run_execute, sync_run_start

    n = OrcidItem.objects.count()
    gc.collect()
    for i in range(args.runs):
        rss_before, peak_before = _rss_mb(), _peak_rss_mb()
        run = sync_run_start(triggered_by="benchmark: no change", trigger=SyncRun.Trigger.COMMAND)
        started, cpu = time.monotonic(), _cpu()
        run = sync_run_execute(run=run)
        wall, cpu = time.monotonic() - started, _cpu() - cpu
        print(f"\n== no-change run {i + 1} over {n} works")
        print(f"   {run.summary_line()}; ORCID calls {run.api_writes + run.api_reads}")
        print(f"   wall {wall:.1f} s ({1000 * wall / max(n, 1):.3f} ms per work), CPU {cpu:.1f} s")
        print(f"   RSS {rss_before:.0f} MB before, peak {_peak_rss_mb():.0f} MB "
              f"(peak before the run {peak_before:.0f} MB)")
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _load(args) -> int:
    """Researchers, connections, approved works, and their ledger rows as a finished run leaves them."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from connections.crypto import token_encrypt
    from connections.models import OrcidConnection
    from putcodes.kinds import WORK
    from putcodes.models import OrcidItem
    from units.models import Unit
    from works.models import Work

    fingerprinted = any(f.name == "written_fingerprint" for f in OrcidItem._meta.get_fields())
    if fingerprinted:
        from putcodes.sync.fingerprint import kind_version, source_fingerprint, written_fingerprint
    User = get_user_model()
    unit, _ = Unit.objects.get_or_create(code="library", defaults={"name": "University Library"})
    now = timezone.now()
    token = token_encrypt("bench-token")
    total = 0
    for start in range(0, args.researchers, 1000):
        with transaction.atomic():
            stop = min(start + 1000, args.researchers)
            users = User.objects.bulk_create(
                [User(username=f"bench{i:06d}", last_name=f"Researcher {i}") for i in range(start, stop)]
            )
            users = list(User.objects.filter(username__in=[u.username for u in users]).order_by("username"))
            OrcidConnection.objects.bulk_create([
                OrcidConnection(
                    user=user, orcid=_orcid(start + k), name=user.last_name,
                    scopes=["/activities/update", "/read-limited"], access_token_encrypted=token,
                    refresh_token_encrypted=token, expires_at=now + timezone.timedelta(days=3650), connected_at=now,
                )
                for k, user in enumerate(users)
            ])
            works = [_work(unit, user, (start + k) * args.works + w, now)
                     for k, user in enumerate(users) for w in range(args.works)]
            works = Work.objects.bulk_create(works, batch_size=2000)
            items = []
            for work in works:
                content_hash = WORK.content_hash(work) if args.real_hashes else f"stand-in-{work.local_id}"
                item = OrcidItem(
                    unit=unit, researcher_id=work.researcher_id, orcid=_orcid_of(work, args), kind="work",
                    local_id=work.local_id, work=work, put_code=100000 + total + len(items),
                    content_hash=content_hash, state="on_orcid", written_at=now, last_action="created",
                )
                if fingerprinted:
                    source = source_fingerprint(kind_version(WORK), work.updated_at)
                    item.written_fingerprint = written_fingerprint(source, content_hash)
                items.append(item)
            OrcidItem.objects.bulk_create(items, batch_size=2000)
            total += len(items)
    return total


def _insert_select(model, values: dict, source: str) -> None:
    """INSERT INTO model's table SELECT ... FROM source: `values` maps field names to SQL over
    `source` or to a plain value (a parameter); every other field takes its default."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns, selects, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(quote(f.column))
        value = values.get(f.name, values.get(f.attname, f.get_default()))
        if isinstance(value, Sql):
            selects.append(str(value))
        else:
            selects.append("%s")
            params.append(f.get_db_prep_save(value, connection))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(selects)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class Sql(str):
    """An SQL expression (not a value) for `_insert_select`."""


def _text(*parts: str) -> Sql:
    return Sql(" || ".join(parts))


def _load_sql(args) -> int:
    """As `_load`, in two INSERT ... SELECT statements (a million rows in minutes, not an hour):
    every work has the same `updated_at` and every ledger row the same stand-in hash, so one
    written fingerprint fits them all (the run still reads, computes and compares one per
    row: the cost measured is the same)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from connections.crypto import token_encrypt
    from connections.models import OrcidConnection
    from putcodes.kinds import WORK
    from putcodes.models import OrcidItem
    from putcodes.sync.fingerprint import kind_version, source_fingerprint, written_fingerprint
    from units.models import Unit
    from works.models import Work

    User = get_user_model()
    unit, _ = Unit.objects.get_or_create(code="library", defaults={"name": "University Library"})
    now = timezone.now()
    token = token_encrypt("bench-token")
    with transaction.atomic():
        for start in range(0, args.researchers, 5000):
            stop = min(start + 5000, args.researchers)
            User.objects.bulk_create([User(username=f"bench{i:06d}", last_name=f"R {i}") for i in range(start, stop)])
        users = User.objects.filter(username__startswith="bench").order_by("id").values_list("id", flat=True)
        OrcidConnection.objects.bulk_create([
            OrcidConnection(
                user_id=uid, orcid=_orcid(k), name=f"R {k}", scopes=["/activities/update", "/read-limited"],
                access_token_encrypted=token, refresh_token_encrypted=token,
                expires_at=now + timezone.timedelta(days=3650), connected_at=now,
            )
            for k, uid in enumerate(users)
        ], batch_size=5000)
    key = _text("CAST(u.id AS TEXT)", "'-'", "CAST(s.k AS TEXT)")
    doi, end = "'[{\"type\": \"doi\", \"value\": \"10.5555/bench.'", "'\", \"relationship\": \"self\"}]'"
    json_type = "JSONB" if connection.vendor == "postgresql" else "TEXT"
    seq = (f"(WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < {args.works - 1}) "
           "SELECT k FROM n) AS s")
    with transaction.atomic():
        _insert_select(Work, {
            "unit": unit.pk, "researcher": Sql("u.id"), "local_id": _text("'bench-'", key),
            "title": _text("'On the benchmark, part '", key), "work_type": "journal-article",
            "publication_year": Sql("2000 + s.k"), "journal_title": "Journal of Benchmarks",
            "external_ids": Sql(f"CAST({_text(doi, key, end)} AS {json_type})"),
            "contributors": [], "has_self_id": True, "public": True, "approved": True, "approved_at": now,
            "updated_at": now, "created_at": now,
        }, f"{User._meta.db_table} u CROSS JOIN {seq} WHERE u.username LIKE 'bench%%'")
        stand_in = "stand-in"
        fingerprint = written_fingerprint(source_fingerprint(kind_version(WORK), now), stand_in)
        _insert_select(OrcidItem, {
            "unit": unit.pk, "researcher": Sql("w.researcher_id"), "orcid": Sql("c.orcid"), "kind": "work",
            "local_id": Sql("w.local_id"), "work": Sql("w.id"), "put_code": Sql("100000 + w.id"),
            "content_hash": stand_in, "written_fingerprint": fingerprint, "state": "on_orcid",
            "written_at": now, "last_action": "created", "created_at": now, "updated_at": now,
            "sent_match": None,
        }, f"{Work._meta.db_table} w JOIN {OrcidConnection._meta.db_table} c ON c.user_id = w.researcher_id")
    return OrcidItem.objects.count()


def _orcid(i: int) -> str:
    return f"0000-0002-{i // 10000:04d}-{i % 10000:04d}"


def _orcid_of(work, args) -> str:
    return _orcid(int(work.local_id.split("-")[1]) // args.works)


def _work(unit, user, n: int, now):
    from works.models import Work

    work = Work(
        unit=unit, researcher=user, local_id=f"bench-{n:08d}", title=f"On the benchmark, part {n}",
        work_type="journal-article", publication_year=2000 + n % 25, publication_month=1 + n % 12,
        journal_title="Journal of Benchmarks",
        external_ids=[{"type": "doi", "value": f"10.5555/bench.{n:08d}", "relationship": "self"}],
        contributors=[{"name": f"Bench Researcher {n}", "orcid": "", "role": "author"}],
        public=True, approved=True, approved_at=now, approved_by=user.username, updated_at=now, created_at=now,
    )
    work.refresh_derived_fields()
    return work


if __name__ == "__main__":
    main()
