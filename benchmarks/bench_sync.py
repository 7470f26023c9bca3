"""Benchmark of the sync against the ORCID simulator with ORCID-like latency and rate limit.

    .venv/bin/python benchmarks/bench_sync.py                      # 2,000 researchers x 25 works
    .venv/bin/python benchmarks/bench_sync.py --researchers 100    # a quick run
    .venv/bin/python benchmarks/bench_sync.py --works 100 --researchers 200 \
        --database postgres://orcid_portal:orcid_portal@127.0.0.1:5432/bench_sync_me

Runs with production settings (DEBUG off: `production_env`). Starts the simulator as a subprocess (`manage.py orcid_simulator`) with 100-200 ms latency per
call and its 24 requests/s limit, loads researchers, connections and approved works into a
fresh SQLite database under a temporary directory (or the PostgreSQL database given with
--database: EMPTIED first, its public schema dropped and created again, then migrated; its name
must contain "bench"), then measures three runs:
  1. the first push (every work created),
  2. a run with nothing changed,
  3. a run with 1% of the works changed.
It prints API calls per written work, wall time against the rate-limit floor (the calls beyond
the bucket's first burst at 24/s: no client can be faster; `_floor`),
the no-change run's time and write calls, peak memory (RSS) of this process, and the portal's
CPU per write call (with one bulk call per researcher of <= 100 works: the CPU per bulk call).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"The simulator did not start at {url}")


def _cpu_seconds(pid: int | None = None) -> float:
    """User+system CPU seconds of this process (or of `pid`, from /proc)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


SIMULATOR_PID: int | None = None


def _postgres_cpu_seconds() -> float:
    """User+system CPU seconds of this machine's PostgreSQL processes (server, backends,
    background workers), with those of the ended ones (the server's reaped children: a
    backend whose connection closed): what the database costs the machine when it runs here."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(" (")[2].partition(") ")
        if name == "postgres":
            fields = rest.split()
            total += sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


DATABASE_HELP = ("a PostgreSQL DATABASE_URL of the benchmark's own (postgres://user:password@host:port/name, "
                 "the name containing 'bench'): it is EMPTIED first (its public schema dropped and created "
                 "again), then migrated. Default: a fresh SQLite file in a temporary directory")


def production_env() -> dict[str, str]:
    """The settings a deployment runs with (docs/DEPLOYMENT.md): DEBUG off, with a SECRET_KEY and
    TOKEN_ENCRYPTION_KEYS of the run's own, and the simulator's demo member client named as a
    deployment names its own. With DEBUG on (the embedded default of `make run`) Django keeps
    every query's SQL in memory and runs each through its debug cursor: a benchmark measuring
    that measures a portal nobody deploys."""
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "false", "SECRET_KEY": "bench-" + "k" * 58, "ALLOWED_HOSTS": "127.0.0.1",
        "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ORCID_CLIENT_ID": "APP-DEMO000000000001", "ORCID_CLIENT_SECRET": "d3m0-c1i3-4t5e-cr3t-000000000001",
    }


def _database_url(given: str, workdir: Path) -> str:
    """--database as given (checked: a PostgreSQL database whose name says it is a benchmark's),
    or a fresh SQLite file in `workdir`."""
    if not given:
        return f"sqlite:///{workdir / 'db.sqlite3'}"
    from urllib.parse import urlsplit

    url = urlsplit(given)
    if url.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise SystemExit(f"--database: a postgres:// URL, not {url.scheme}://")
    if "bench" not in url.path.lstrip("/"):
        raise SystemExit(f"--database: it is emptied, so its name must contain 'bench' (not {url.path.lstrip('/')!r})")
    return given


def _database_reset() -> None:
    """After django.setup(): a PostgreSQL database is emptied (its public schema dropped and
    created again: no table, sequence or type of an earlier run left), then every database is
    migrated."""
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    name = connection.settings_dict["NAME"]
    print(f"database {connection.vendor} {Path(str(name)).name if connection.vendor == 'sqlite' else name} "
          f"{'emptied and ' if connection.vendor == 'postgresql' else ''}migrated in {time.monotonic() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=2000)
    parser.add_argument("--works", type=int, default=25, help="works per researcher")
    parser.add_argument("--latency-min", type=int, default=100, help="ms")
    parser.add_argument("--latency-max", type=int, default=200, help="ms")
    parser.add_argument("--rate", type=float, default=24.0, help="requests/s (ORCID's member limit)")
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--changed", type=float, default=0.01, help="share of works changed in run 3")
    parser.add_argument("--database", default="", help=DATABASE_HELP)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the first push")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    database = _database_url(args.database, workdir)
    port = _free_port()
    sim_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_ENV_FILE": "/nonexistent",
        "DATABASE_URL": database,
        "ORCID_BASE_URL": sim_url,
        "ORCID_API_URL": sim_url,
        "ORCID_REQUESTS_PER_SECOND": str(args.rate),
        "ORCID_BURST": str(args.burst),
        "ORCID_WEBHOOKS_ENABLED": "false",
        "PORTAL_VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        **production_env(),
    }
    os.environ.update(env)
    sim_log = open(workdir / "simulator.log", "w")
    simulator = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "orcid_simulator", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env={**env, "DATABASE_URL": f"sqlite:///{workdir / 'sim.sqlite3'}"},
        stdout=sim_log, stderr=subprocess.STDOUT,
    )
    global SIMULATOR_PID
    SIMULATOR_PID = simulator.pid
    try:
        _wait_for(f"{sim_url}/_simulator/")
        _run(args, sim_url, workdir)
    finally:
        simulator.terminate()
        try:
            simulator.wait(10)
        except subprocess.TimeoutExpired:
            simulator.kill()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"(kept {workdir})")


def _control(sim_url: str, path: str, payload: dict) -> dict:
    response = requests.post(f"{sim_url}/_simulator/{path}", json=payload, timeout=30)
    response.raise_for_status()
    return response.json() if response.content else {}


def _run(args, sim_url: str, workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    import django

    django.setup()
    import logging

    logging.getLogger("orcid_client").setLevel(logging.WARNING)
    _database_reset()
    _load(args, sim_url)
    n_works = args.researchers * args.works
    # ORCID's latency and limit, from now on (the set-up above ran at full speed).
    _control(sim_url, "faults", {"latency_ms": [args.latency_min, args.latency_max]})
    _control(sim_url, "rate-limit", {"rate": args.rate, "burst": args.burst})

    from django.db import connection

    from putcodes.models import SyncRun
    from putcodes.services import sync_run_execute, sync_run_start

    def one_run(label: str) -> SyncRun:
        run = sync_run_start(triggered_by=f"benchmark: {label}", trigger=SyncRun.Trigger.COMMAND)
        started = time.monotonic()
        cpu, sim_cpu, db_cpu = _cpu_seconds(), _cpu_seconds(SIMULATOR_PID), _postgres_cpu_seconds()
        run = sync_run_execute(run=run, workers=args.workers)
        run.wall = time.monotonic() - started
        run.cpu, run.sim_cpu = _cpu_seconds() - cpu, _cpu_seconds(SIMULATOR_PID) - sim_cpu
        run.db_cpu = _postgres_cpu_seconds() - db_cpu if connection.vendor == "postgresql" else 0.0
        calls = run.api_writes + run.api_reads
        floor = _floor(calls, args)
        print(f"\n== {label}")
        print(f"   {run.summary_line()}")
        print(f"   ORCID calls: {run.api_writes} writes, {run.api_reads} reads, {run.api_retries} retries")
        print(f"   wall {run.wall:.1f} s; rate-limit floor {floor:.1f} s ({calls} calls, {args.burst} at once, the rest "
              f"at {args.rate:g}/s)" + (f"; throughput {calls / run.wall:.1f} calls/s" if calls else ""))
        database = f", PostgreSQL {run.db_cpu:.1f} s" if run.db_cpu else ""
        print(f"   CPU: portal {run.cpu:.1f} s, simulator {run.sim_cpu:.1f} s{database} "
              f"(this machine has {os.cpu_count()} cores)")
        if run.api_writes:
            database = f", PostgreSQL {1000 * run.db_cpu / run.api_writes:.1f} ms" if run.db_cpu else ""
            print(f"   CPU per write call: portal {1000 * run.cpu / run.api_writes:.1f} ms, "
                  f"simulator {1000 * run.sim_cpu / run.api_writes:.1f} ms{database}")
        print(f"   peak RSS so far {_peak_rss_mb():.0f} MB")
        return run

    label = f"first push: {args.researchers} researchers x {args.works} works = {n_works} works"
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)  # CPU, not waits on ORCID or the database
        profile.enable()
        first = one_run(label)
        profile.disable()
        if os.environ.get("PROFILE_OUT"):
            profile.dump_stats(os.environ["PROFILE_OUT"])
        pstats.Stats(profile).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(40)
    else:
        first = one_run(label)
    print(f"   write calls per created work: {first.api_writes / max(first.created, 1):.3f}")
    second = one_run("no change")
    changed = _change(args.changed)
    third = one_run(f"{100 * args.changed:g}% changed ({changed} works)")
    print(f"   write calls per updated work: {third.api_writes / max(third.updated, 1):.3f}")

    print("\n== Summary")
    floor = _floor(first.api_writes + first.api_reads, args)
    print(f"first push: {first.api_writes / max(first.created, 1):.3f} write calls per created work (target <= 0.05); "
          f"{first.wall:.1f} s against a floor of {floor:.1f} s = {100 * floor / first.wall:.0f}% of the rate limit "
          "(target >= 90%)")
    print(f"no-change run over {n_works} works: {second.wall:.1f} s (target < 30 s), {second.api_writes} write calls "
          "(target 0)")
    print(f"1% changed: {third.updated} updated with {third.api_writes} write calls in {third.wall:.1f} s")
    works_per_call = first.created / max(first.api_writes, 1)
    print(f"CPU per bulk call ({connection.vendor}, first push, {works_per_call:.0f} works per call): "
          f"portal {1000 * first.cpu / max(first.api_writes, 1):.1f} ms "
          f"({first.cpu:.1f} s / {first.api_writes} write calls)")
    if first.api_writes:
        # What the limit asks of this machine when ORCID (the simulator) and the database run on it
        # too: at `rate` calls/s, the cores the three need together.
        per_call = (first.cpu + first.sim_cpu + first.db_cpu) / first.api_writes
        print(f"CPU per call on this machine (portal + simulator{' + PostgreSQL' if first.db_cpu else ''}): "
              f"{1000 * per_call:.1f} ms; at {args.rate:g} calls/s that is {per_call * args.rate:.2f} cores "
              f"of its {os.cpu_count()}")
    print(f"peak memory (RSS) of the portal process: {_peak_rss_mb():.0f} MB (target < 500 MB)")


def _floor(calls: int, args) -> float:
    """The shortest time ORCID's bucket allows for `calls`: the first `burst` at once, the rest at
    `rate` per second. (Dividing all the calls by the rate would credit a short run with the
    burst: 200 calls with a burst of 40 would seem to beat the limit at 1.2x.)"""
    return max(calls - args.burst, 0) / args.rate


def _load(args, sim_url: str) -> list:
    """Researchers with connections to fresh simulator records, and approved works."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from connections.crypto import token_encrypt
    from connections.models import OrcidConnection
    from units.models import Unit
    from works.models import Work

    started = time.monotonic()
    User = get_user_model()
    unit, _ = Unit.objects.get_or_create(code="library", defaults={"name": "University Library"})
    now = timezone.now()
    session = requests.Session()
    records = []
    for i in range(args.researchers):
        response = session.post(f"{sim_url}/_simulator/records", json={"name": f"Researcher {i}"}, timeout=30)
        response.raise_for_status()
        records.append(response.json())
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench{i:05d}", first_name="Bench", last_name=f"Researcher {i}") for i in range(args.researchers)]
        )
        users = list(User.objects.filter(username__startswith="bench").order_by("username"))
        OrcidConnection.objects.bulk_create([
            OrcidConnection(
                user=user, orcid=record["orcid"], name=user.last_name, scopes=["/activities/update", "/read-limited"],
                access_token_encrypted=token_encrypt(record["access_token"]),
                refresh_token_encrypted=token_encrypt(record.get("refresh_token") or ""),
                expires_at=now + timezone.timedelta(days=3650), connected_at=now,
            )
            for user, record in zip(users, records)
        ])
        works = []
        for u, user in enumerate(users):
            for w in range(args.works):
                n = u * args.works + w
                work = Work(
                    unit=unit, researcher=user, local_id=f"bench-{n:07d}", title=f"On the benchmark, part {n}",
                    work_type="journal-article", publication_year=2000 + n % 25, publication_month=1 + n % 12,
                    journal_title="Journal of Benchmarks",
                    external_ids=[{"type": "doi", "value": f"10.5555/bench.{n:07d}", "relationship": "self"}],
                    contributors=[{"name": f"Bench Researcher {u}", "orcid": "", "role": "author"}],
                    public=True, approved=True, approved_at=now, approved_by=user.username,
                )
                work.refresh_derived_fields()
                works.append(work)
        Work.objects.bulk_create(works, batch_size=2000)
    print(f"loaded {args.researchers} researchers, {len(works)} works in {time.monotonic() - started:.1f} s")
    _vacuum_analyze()
    return users


def _vacuum_analyze() -> None:
    """On PostgreSQL, VACUUM ANALYZE after the load, as a DBA does after a bulk load: otherwise
    autovacuum works through the 100,000 rows just loaded during the first push (measured: the
    works table vacuumed and analysed in the middle of it), which a real first push, long after
    the units' imports, does not pay."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"vacuumed and analysed in {time.monotonic() - started:.1f} s")


def _change(share: float) -> int:
    from works.models import Work

    ids = list(Work.objects.values_list("id", flat=True))
    chosen = random.Random(1).sample(ids, max(1, int(len(ids) * share)))
    from django.utils import timezone

    for pk in chosen:  # as the importer changes a work: with its updated_at (issue 17's fingerprints)
        Work.objects.filter(pk=pk).update(title=f"Revised title {pk}", updated_at=timezone.now())
    return len(chosen)


if __name__ == "__main__":
    main()
