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
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-nochange-"))
    os.environ.update({
        "PORTAL_ENV_FILE": "/nonexistent",
        "DATABASE_URL": args.database or f"sqlite:///{workdir / 'db.sqlite3'}",
        "ORCID_WEBHOOKS_ENABLED": "false",
        "PORTAL_VAR_DIR": str(workdir / "var"),
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
    })
    sys.path.insert(0, str(ROOT))
    try:
        _run(args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    t = time.monotonic()
    call_command("flush", interactive=False, verbosity=0) if args.database else None
    call_command("migrate", verbosity=0)
    print(f"database migrated in {time.monotonic() - t:.1f} s ({'PostgreSQL' if args.database else 'SQLite'})")
    t = time.monotonic()
    n = _load(args)
    print(f"loaded {args.researchers} researchers, {n} works and ledger rows in {time.monotonic() - t:.1f} s")

    import gc

    from putcodes.models import SyncRun
    from putcodes.services import sync_run_execute, sync_run_start

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
    User = get_user_model()
    unit, _ = Unit.objects.get_or_create(code="library", defaults={"name": "University Library"})
    now = timezone.now()
    token = token_encrypt("bench-token")
    total = 0
    for start in range(0, args.researchers, 500):
        with transaction.atomic():
            stop = min(start + 500, args.researchers)
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
                    from putcodes.sync.fingerprint import kind_version, source_fingerprint, written_fingerprint

                    item.written_fingerprint = written_fingerprint(source_fingerprint(kind_version(WORK), work.updated_at), content_hash)
                items.append(item)
            OrcidItem.objects.bulk_create(items, batch_size=2000)
            total += len(items)
    return total


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
