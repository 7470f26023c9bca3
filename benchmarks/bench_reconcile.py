"""Benchmark: the reconcile's ORCID calls per record, and its share of the rate limit while a
sync is writing (issue 17, item 2), against the ORCID simulator at ORCID-like latency and limit.

    .venv/bin/python benchmarks/bench_reconcile.py                      # 100 researchers x 9 kinds
    .venv/bin/python benchmarks/bench_reconcile.py --researchers 30     # a quick run
    .venv/bin/python benchmarks/bench_reconcile.py --database postgres://orcid_portal:orcid_portal@127.0.0.1:5432/bench_reconcile_me

Each researcher has one item of every kind (a work, an employment, the six other affiliation
sections, a funding), all pushed first. Then:
1. a full reconcile alone: ORCID reads per record (one GET /activities per record now; one
   read per kind before);
2. a mass update (every item's visible content changed: one PUT each) while reconcile threads
   read the records over and over: the reconcile's calls/s and its share of all calls made
   while the sync ran (ORCID_RECONCILE_BUDGET_SHARE caps it; 0.2 by default).
A fresh SQLite database in a temporary directory, or the PostgreSQL database given with
--database (EMPTIED first: its public schema dropped and created again, then migrated; its name
must contain "bench"); uses bench_sync.py's simulator and database helpers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import (  # noqa: E402
    DATABASE_HELP, _control, _database_reset, _database_url, _free_port, _wait_for, production_env,
)
from bench_sync_affiliations import SECTIONS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=100)
    parser.add_argument("--latency-min", type=int, default=100, help="ms")
    parser.add_argument("--latency-max", type=int, default=200, help="ms")
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--reconcile-threads", type=int, default=4)
    parser.add_argument("--paced-seconds", type=float, default=15.0)
    parser.add_argument("--database", default="", help=DATABASE_HELP)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-reconcile-"))
    database = _database_url(args.database, workdir)
    port = _free_port()
    sim_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ, "PORTAL_ENV_FILE": "/nonexistent", "DATABASE_URL": database,
        "ORCID_BASE_URL": sim_url, "ORCID_API_URL": sim_url, "ORCID_REQUESTS_PER_SECOND": str(args.rate),
        "ORCID_BURST": str(args.burst), "ORCID_WEBHOOKS_ENABLED": "false", "PORTAL_VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": "", "REDIS_URL": "", **production_env(),  # DEBUG off
    }
    os.environ.update(env)
    with open(workdir / "simulator.log", "w") as sim_log:
        simulator = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "orcid_simulator", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env={**env, "DATABASE_URL": f"sqlite:///{workdir / 'sim.sqlite3'}"},
            stdout=sim_log, stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"{sim_url}/_simulator/")
            _run(args, sim_url)
        finally:
            simulator.terminate()
            try:
                simulator.wait(10)
            except subprocess.TimeoutExpired:
                simulator.kill()
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args, sim_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    import django

    django.setup()
    _database_reset()
    users = _load(args, sim_url)
    _control(sim_url, "faults", {"latency_ms": [args.latency_min, args.latency_max]})
    _control(sim_url, "rate-limit", {"rate": args.rate, "burst": args.burst})
    from django.conf import settings

    from putcodes.models import OrcidItem

    _sync(args, "first push")
    print(f"   items on ORCID: {OrcidItem.objects.filter(state='on_orcid').count()}")

    reads, wall = _reconcile_all(users)
    print(f"\n== full reconcile alone: {len(users)} records")
    print(f"   ORCID reads: {reads} = {reads / len(users):.2f} per record; wall {wall:.1f} s")

    _change_everything()
    share = getattr(settings, "ORCID_RECONCILE_BUDGET_SHARE", None)
    print(f"\n== mass update while {args.reconcile_threads} reconcile threads read (budget share setting: {share})")
    stop, counted = threading.Event(), {"reads": 0}

    def reconcile_loop(part: list) -> None:
        from django.db import connection

        while not stop.is_set():
            for user in part:
                if stop.is_set():
                    break
                counted["reads"] += _reconcile_one(user)
        connection.close()

    threads = [threading.Thread(target=reconcile_loop, args=(users[i::args.reconcile_threads],))
               for i in range(args.reconcile_threads)]
    before = reconcile_client().stats.calls
    for thread in threads:
        thread.start()
    run, wall = _sync(args, "mass update (one PUT per item)")
    counted["reads"] = reconcile_client().stats.calls - before
    stop.set()
    for thread in threads:
        thread.join()
    sync_calls = run.api_writes + run.api_reads
    total = sync_calls + counted["reads"]
    print(f"   reconcile reads during the sync: {counted['reads']} ({counted['reads'] / wall:.2f}/s = "
          f"{100 * counted['reads'] / wall / args.rate:.0f}% of the {args.rate:g}/s limit; "
          f"{100 * counted['reads'] / max(total, 1):.0f}% of all calls)")
    print(f"   sync calls: {sync_calls} in {wall:.1f} s = {sync_calls / wall:.1f}/s "
          f"({100 * sync_calls / wall / args.rate:.0f}% of the limit)")
    _paced(args, users)


def _paced(args, users: list) -> None:
    """The reconcile's own pace, without the sync's CPU and database contention in the way: the
    same threads reading for `--paced-seconds`, with no sync, then with a sync run open (writes
    waiting)."""
    from putcodes.models import SyncRun
    from putcodes.reconcile_budget import SYNC_CHECK_SECONDS

    for label, running in (("no sync running", False), ("a sync run open (writes waiting)", True)):
        run = SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, status=SyncRun.Status.RUNNING) if running else None
        stop, counted = threading.Event(), {"reads": 0}

        def loop(part: list) -> None:
            from django.db import connection

            while not stop.is_set():
                for user in part:
                    if stop.is_set():
                        break
                    _reconcile_one(user)
            connection.close()

        threads = [threading.Thread(target=loop, args=(users[i::args.reconcile_threads],))
                   for i in range(args.reconcile_threads)]
        for thread in threads:
            thread.start()
        # Counted after the warm-up: the reconcile learns of a run started by another process
        # within SYNC_CHECK_SECONDS (its cached answer); one started in its own process at once.
        time.sleep(SYNC_CHECK_SECONDS + 0.5)
        before = reconcile_client().stats.calls
        time.sleep(args.paced_seconds)
        counted["reads"] = reconcile_client().stats.calls - before
        stop.set()
        for thread in threads:
            thread.join()
        wall = args.paced_seconds
        if run is not None:
            SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.FINISHED)
        print(f"\n== {args.reconcile_threads} reconcile threads, {label}: {counted['reads']} reads in {wall:.1f} s "
              f"= {counted['reads'] / wall:.1f}/s ({100 * counted['reads'] / wall / args.rate:.0f}% of the limit)")


def _sync(args, label: str):
    from putcodes.models import SyncRun
    from putcodes.services import sync_run_execute, sync_run_start

    run = sync_run_start(triggered_by=f"benchmark: {label}", trigger=SyncRun.Trigger.COMMAND)
    started = time.monotonic()
    run = sync_run_execute(run=run, workers=args.workers)
    wall = time.monotonic() - started
    print(f"\n== {label}\n   {run.summary_line()}; {run.api_writes} writes, {run.api_reads} reads in {wall:.1f} s")
    return run, wall


_CLIENT: list = []


def reconcile_client():
    """One client for every reconcile read, with its own counters: its HTTP calls are counted
    as they are made (a reconcile cut short by the end of a phase counts its reads too)."""
    if not _CLIENT:
        from orcid_client.client import default_client

        _CLIENT.append(default_client(own_stats=True))
    return _CLIENT[0]


def _reconcile_one(user) -> int:
    from putcodes.reconcile import researcher_reconcile

    return researcher_reconcile(researcher=user, client=reconcile_client()).reads


def _reconcile_all(users) -> tuple[int, float]:
    started = time.monotonic()
    reads = sum(_reconcile_one(user) for user in users)
    return reads, time.monotonic() - started


def _change_everything() -> None:
    from affiliations.models import Affiliation
    from employments.models import Employment
    from funding.models import Funding
    from works.models import Work

    Work.objects.update(journal_title="Journal of Revised Results")
    Employment.objects.update(role_title="Emeritus Professor")
    Affiliation.objects.update(department="Department of Revisions")
    Funding.objects.update(title="Engines of difference, renewed")


def _load(args, sim_url: str) -> list:
    """Researchers connected to fresh simulator records, each with one item of every kind, none
    needing an approval (the works are approved)."""
    from decimal import Decimal

    import requests
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from affiliations.models import Affiliation
    from connections.crypto import token_encrypt
    from connections.models import OrcidConnection
    from employments.models import Employment
    from funding.models import Funding
    from units.models import Unit
    from works.models import Work

    User = get_user_model()
    registry, _ = Unit.objects.get_or_create(code="registry", defaults={"name": "Registry"})
    office, _ = Unit.objects.get_or_create(code="research-office", defaults={"name": "Research Office"})
    Unit.objects.filter(pk__in=[registry.pk, office.pk]).update(requires_approval=False)
    now = timezone.now()
    session = requests.Session()
    records = [session.post(f"{sim_url}/_simulator/records", json={"name": f"Researcher {i}"}, timeout=30).json()
               for i in range(args.researchers)]
    with transaction.atomic():
        User.objects.bulk_create([User(username=f"bench{i:05d}") for i in range(args.researchers)])
        users = list(User.objects.filter(username__startswith="bench").order_by("username"))
        OrcidConnection.objects.bulk_create([
            OrcidConnection(user=user, orcid=record["orcid"], scopes=["/activities/update", "/read-limited"],
                            access_token_encrypted=token_encrypt(record["access_token"]),
                            refresh_token_encrypted=token_encrypt(record.get("refresh_token") or ""),
                            expires_at=now + timezone.timedelta(days=3650), connected_at=now)
            for user, record in zip(users, records)
        ])
        Work.objects.bulk_create([
            Work(unit=registry, researcher=user, local_id=f"w-{n}", title=f"A study, part {n}",
                 work_type="journal-article", publication_year=2021, journal_title="Journal of Results",
                 external_ids=[{"type": "doi", "value": f"10.5555/bench.{n:06d}", "relationship": "self"}],
                 contributors=[], public=True, approved=True, approved_at=now)
            for n, user in enumerate(users)
        ])
        Employment.objects.bulk_create([
            Employment(unit=registry, researcher=user, local_id=f"emp-{n}", department="Chemistry",
                       role_title="Professor", start_year=2015) for n, user in enumerate(users)
        ])
        Affiliation.objects.bulk_create([
            Affiliation(unit=registry, researcher=user, local_id=f"aff-{n}-{section}", section=section,
                        role_title=f"Role {section}", start_year=2010 + n % 10,
                        org_name="University of Oxford", org_city="Oxford", org_country="GB",
                        org_identifier="https://ror.org/052gg0110", org_source="ROR")
            for n, user in enumerate(users) for section in SECTIONS
        ])
        Funding.objects.bulk_create([
            Funding(unit=office, researcher=user, local_id=f"grant-{n}", title="Engines of difference",
                    funding_type="grant", funder_name="Wellcome Trust", funder_city="London", funder_country="GB",
                    funder_identifier="http://dx.doi.org/10.13039/100004440", funder_source="FUNDREF",
                    grant_number=f"WT-{n:06d}", amount=Decimal("250000.00"), currency="GBP", start_year=2021,
                    role="lead")
            for n, user in enumerate(users)
        ])
    print(f"loaded {args.researchers} researchers x 9 kinds")
    return users


if __name__ == "__main__":
    main()
