"""Benchmark: the first sync of researchers x the seven affiliation sections against the ORCID
simulator at ORCID-like latency and rate limit, then a run with nothing changed.

    .venv/bin/python benchmarks/bench_sync_affiliations.py                    # 1,000 researchers x 7
    .venv/bin/python benchmarks/bench_sync_affiliations.py --researchers 100  # a quick run

ORCID has no bulk endpoint for affiliations, so the first push is one POST per item (7,000 for
1,000 researchers): the target is >= 90 % of the 24/s limit with 100-200 ms per call. The
no-change run should make no call at all. Uses bench_sync.py's simulator subprocess and
helpers; a fresh SQLite database in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import _control, _free_port, _peak_rss_mb, _wait_for  # noqa: E402

SECTIONS = ("education", "qualification", "invited-position", "distinction", "membership", "service")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=1000)
    parser.add_argument("--latency-min", type=int, default=100, help="ms")
    parser.add_argument("--latency-max", type=int, default=200, help="ms")
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--workers", type=int, default=12)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-affiliations-"))
    port = _free_port()
    sim_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ, "PORTAL_ENV_FILE": "/nonexistent", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "ORCID_BASE_URL": sim_url, "ORCID_API_URL": sim_url, "ORCID_REQUESTS_PER_SECOND": str(args.rate),
        "ORCID_BURST": str(args.burst), "ORCID_WEBHOOKS_ENABLED": "false", "PORTAL_VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": "", "REDIS_URL": "",
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
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _load(args, sim_url)
    _control(sim_url, "faults", {"latency_ms": [args.latency_min, args.latency_max]})
    _control(sim_url, "rate-limit", {"rate": args.rate, "burst": args.burst})

    from putcodes.models import SyncRun
    from putcodes.services import sync_run_execute, sync_run_start

    def one_run(label: str) -> None:
        run = sync_run_start(triggered_by=f"benchmark: {label}", trigger=SyncRun.Trigger.COMMAND)
        started = time.monotonic()
        run = sync_run_execute(run=run, workers=args.workers)
        wall = time.monotonic() - started
        calls = run.api_writes + run.api_reads
        print(f"\n== {label}\n   {run.summary_line()}")
        print(f"   ORCID calls: {run.api_writes} writes, {run.api_reads} reads, {run.api_retries} retries")
        share = f" = {100 * calls / wall / args.rate:.0f}% of the {args.rate:g}/s limit" if calls else ""
        print(f"   wall {wall:.1f} s; floor {calls / args.rate:.1f} s{share}; peak RSS {_peak_rss_mb():.0f} MB")

    one_run(f"first push: {args.researchers} researchers x 7 affiliations = {7 * args.researchers} items")
    one_run("no change")


def _load(args, sim_url: str) -> None:
    """Researchers connected to fresh simulator records, each with an employment and one
    affiliation of each other section, all at the institution (no approval asked)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from affiliations.models import Affiliation
    from connections.crypto import token_encrypt
    from connections.models import OrcidConnection
    from employments.models import Employment
    from units.models import Unit

    started = time.monotonic()
    User = get_user_model()
    unit, _ = Unit.objects.get_or_create(code="registry", defaults={"name": "Registry"})
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
        Employment.objects.bulk_create([
            Employment(unit=unit, researcher=user, local_id=f"emp-{n}", department="Chemistry",
                       role_title="Professor", start_year=2015) for n, user in enumerate(users)
        ], batch_size=2000)
        Affiliation.objects.bulk_create([
            Affiliation(unit=unit, researcher=user, local_id=f"aff-{n}-{section}", section=section,
                        role_title=f"Role {section}", start_year=2010 + n % 10)
            for n, user in enumerate(users) for section in SECTIONS
        ], batch_size=2000)
    print(f"loaded {args.researchers} researchers x 7 affiliations in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
