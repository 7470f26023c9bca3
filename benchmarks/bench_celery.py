"""Benchmark of the production path (issue 17, item 1): a first push through Celery, one worker
started with the documented command, against the simulator at ORCID's latency and limit.

    .venv/bin/python benchmarks/bench_celery.py --database postgres://orcid_portal:orcid_portal@127.0.0.1:5432/bench_celery_me
    .venv/bin/python benchmarks/bench_celery.py --researchers 200 --pool threads --concurrency 12

Starts its own redis-server (a free port, no persistence, stopped at the end), the simulator
(`manage.py orcid_simulator`, 100-200 ms latency, 24 requests/s), loads researchers with
approved works into the given database (PostgreSQL: the worker is another process; the
database is emptied first, so give it one of its own), starts one worker
(`celery -A orcid_portal worker --pool prefork --concurrency 2` by default: Celery's default pool
on a 2-core machine, the documented worker), dispatches one
run (one task per researcher through Redis) and waits for it to finish. It prints the calls,
the wall time against the rate-limit floor (the share of ORCID's limit reached), and the peak
memory (VmHWM) of every worker process.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]

from bench_sync import _control, _floor, _free_port, _load, _wait_for, production_env  # noqa: E402


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _tree(pid: int) -> list[int]:
    """`pid` and its child processes (a prefork pool's children)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in children.read_text().split()] if children.exists() else []
    return [pid] + [k for kid in kids for k in _tree(kid)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="a PostgreSQL DATABASE_URL of its own (emptied)")
    parser.add_argument("--researchers", type=int, default=300)
    parser.add_argument("--works", type=int, default=25)
    parser.add_argument("--pool", default="prefork")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="worker processes started (own node names)")
    parser.add_argument("--rate", type=float, default=24.0)
    parser.add_argument("--burst", type=int, default=40)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    redis_port, sim_port = _free_port(), _free_port()
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    sim_url = f"http://127.0.0.1:{sim_port}"
    env = {
        **os.environ, "PORTAL_ENV_FILE": "/nonexistent", "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
        "DATABASE_URL": args.database, "CELERY_BROKER_URL": redis_url, "REDIS_URL": redis_url,
        "ORCID_BASE_URL": sim_url, "ORCID_API_URL": sim_url, "ORCID_REQUESTS_PER_SECOND": str(args.rate),
        "ORCID_BURST": str(args.burst), "ORCID_WEBHOOKS_ENABLED": "false", "LOG_LEVEL": "WARNING",
        "PORTAL_VAR_DIR": str(workdir / "var"), **production_env(),  # DEBUG off, as deployed
    }
    os.environ.update(env)
    processes = []
    log = open(workdir / "processes.log", "w")
    try:
        processes.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--dir", str(workdir)],
            stdout=log, stderr=subprocess.STDOUT,
        ))
        processes.append(subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "orcid_simulator", "--host", "127.0.0.1", "--port", str(sim_port)],
            cwd=ROOT, env={**env, "DATABASE_URL": f"sqlite:///{workdir / 'sim.sqlite3'}"}, stdout=log,
            stderr=subprocess.STDOUT,
        ))
        _wait_for(f"{sim_url}/_simulator/")
        _run(args, sim_url, env, processes, log)
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _run(args, sim_url: str, env: dict, processes: list, log) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    _load(args, sim_url)
    n_works = args.researchers * args.works
    command = [sys.executable, "-m", "celery", "-A", "orcid_portal", "worker", "--pool", args.pool,
               "--concurrency", str(args.concurrency), "--loglevel", "WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]
    workers = [
        subprocess.Popen(command + ["--hostname", f"bench{i}@%h"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        for i in range(args.workers)
    ]
    processes.extend(workers)
    time.sleep(5)  # the worker's start (its imports) is not the run's time
    _control(sim_url, "faults", {"latency_ms": [100, 200]})
    _control(sim_url, "rate-limit", {"rate": args.rate, "burst": args.burst})

    from putcodes.models import SyncRun
    from putcodes.sync.runs import sync_run_dispatch, sync_run_start

    started = time.monotonic()
    run = sync_run_dispatch(run=sync_run_start(triggered_by="benchmark: celery", trigger=SyncRun.Trigger.COMMAND))
    peaks: dict[int, float] = {}
    while not SyncRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists():
        assert all(w.poll() is None for w in workers), "a worker died"
        for pid in [p for w in workers for p in _tree(w.pid)]:
            try:
                peaks[pid] = _peak_mb(pid)
            except OSError:
                pass
        time.sleep(0.5)
    wall = time.monotonic() - started
    run.refresh_from_db()
    calls = run.api_writes + run.api_reads
    floor = _floor(calls, args)  # the first burst at once, the rest at the rate
    print(f"\n== Celery first push: {args.researchers} researchers x {args.works} works = {n_works} works")
    print(f"   {args.workers} worker(s): {' '.join(command[2:])}")
    print(f"   {run.summary_line()}")
    print(f"   ORCID calls: {run.api_writes} writes, {run.api_reads} reads, {run.api_retries} retries")
    print(f"   wall {wall:.1f} s against a floor of {floor:.1f} s ({calls} calls, {args.burst} at once): "
          f"{calls / wall:.1f} calls/s = {100 * floor / wall:.0f}% of the limit")
    print(f"   peak RSS per worker process (MB): {', '.join(f'{mb:.0f}' for mb in peaks.values())}; "
          f"total {sum(peaks.values()):.0f} MB")
    print(f"   load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
