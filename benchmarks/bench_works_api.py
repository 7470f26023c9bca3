"""Benchmark: GET /api/v1/researchers/{id}/works for a researcher with 2,000 works (issue 17,
item 7): p50, p95 and requests/s of one page (default limit 500), of walking every page (`next`
until null), and of the whole list in one page (`?limit=5000`, what the API answered before it
was paginated).

By default in-process through Django's test client (the view, its queries and the JSON; no
network, one process). With `--gunicorn N`, over real HTTP: the portal served by gunicorn
(`python -m gunicorn orcid_portal.wsgi --config docs/deploy/gunicorn.conf.py`, N workers) on
127.0.0.1 with production settings (DEBUG off, a SECRET_KEY and TOKEN_ENCRYPTION_KEYS of the
run's own, ALLOWED_HOSTS=127.0.0.1), asked with the unit API key (`Authorization: Bearer`) and
`X-Forwarded-Proto: https` as the campus TLS proxy sends it. p50/p95 come from one client asking
one request after another; requests/s from that client and from `--clients` clients at once
(default N: one per worker).

A fresh SQLite database in a temporary directory, or the PostgreSQL database given with
--database (EMPTIED first: its public schema dropped and created again, then migrated; its name
must contain "bench").

    .venv/bin/python benchmarks/bench_works_api.py                 # 2,000 works, 40 requests each
    .venv/bin/python benchmarks/bench_works_api.py --works 500 --requests 10
    .venv/bin/python benchmarks/bench_works_api.py --gunicorn 3 \
        --database postgres://orcid_portal:orcid_portal@127.0.0.1:5432/bench_works_api_me
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).resolve().parent), str(ROOT)]

from bench_sync import DATABASE_HELP, _database_reset, _database_url, _free_port  # noqa: E402

BASE = "/api/v1/researchers/ada/works"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", default="", help=DATABASE_HELP)
    parser.add_argument("--gunicorn", type=int, default=0, metavar="N",
                        help="serve the portal with gunicorn, N workers, and ask over HTTP (default: in-process)")
    parser.add_argument("--clients", type=int, default=0,
                        help="clients asking at once for the requests/s under load (--gunicorn; default N)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-works-api-"))
    env = {
        "PORTAL_ENV_FILE": "/nonexistent", "DATABASE_URL": _database_url(args.database, workdir),
        "PORTAL_VAR_DIR": str(workdir / "var"), "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": "", "REDIS_URL": "",
        "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
    }
    if args.gunicorn:
        from cryptography.fernet import Fernet

        # Production settings, for this process (set-up) and gunicorn's alike.
        (workdir / "static").mkdir()
        env.update({
            "DEBUG": "false", "SECRET_KEY": "bench-works-api-" + "k" * 50,
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(), "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(workdir / "static"), "ORCID_WEBHOOKS_ENABLED": "false",
        })
    os.environ.update(env)
    try:
        import django

        django.setup()
        _database_reset()
        key = _load(args.works)
        if args.gunicorn:
            _run_gunicorn(args, key, workdir)
        else:
            _run(args, key)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _load(n: int) -> str:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from putcodes.models import OrcidItem
    from units.models import Unit
    from units.services import api_key_create
    from works.models import Work

    unit = Unit.objects.create(code="library", name="Library")
    user = get_user_model().objects.create(username="ada")
    now = timezone.now()
    Work.objects.bulk_create([
        Work(unit=unit, researcher=user, local_id=f"w-{i}", title=f"A study of things, part {i}",
             work_type="journal-article", publication_year=2020, journal_title="Journal of Results",
             external_ids=[{"type": "doi", "value": f"10.5555/bench.{i:06d}", "relationship": "self"}],
             contributors=[{"name": "Ada Lovelace", "role": "author"}], public=True,
             approved=True if i % 2 else None, approved_at=now if i % 2 else None)
        for i in range(n)
    ], batch_size=1000)
    works = list(Work.objects.filter(researcher=user).order_by("id"))
    OrcidItem.objects.bulk_create([
        OrcidItem(unit=unit, researcher=user, orcid="0000-0002-1825-0097", kind="work", local_id=w.local_id,
                  work=w, put_code=10_000 + i, state="on_orcid")
        for i, w in enumerate(works) if i % 2
    ], batch_size=1000)
    return api_key_create(unit=unit, scopes=["works:curate"]).key


def _measure(client, key: str, url: str, requests: int, walk: bool) -> tuple[list[float], int, int]:
    times, size, pages = [], 0, 0
    for _ in range(requests):
        started = time.perf_counter()
        next_url, size, pages = url, 0, 0
        while next_url:
            response = client.get(next_url, HTTP_AUTHORIZATION=f"Bearer {key}")
            assert response.status_code == 200, response.content[:200]
            size += len(response.content)
            pages += 1
            data = response.json()
            next_url = data.get("next") if walk and isinstance(data, dict) else None
        times.append(time.perf_counter() - started)
    return times, size, pages


CASES = (
    ("one page (default limit)", BASE, False),
    ("every page, following next", BASE, True),
    ("all in one page (?limit=5000; the unpaginated answer before)", f"{BASE}?limit=5000", False),
)


def _p95(times_ms: list[float]) -> float:
    times_ms = sorted(times_ms)
    return times_ms[min(len(times_ms) - 1, int(round(0.95 * len(times_ms))) - 1)]


def _run(args, key: str) -> None:
    from django.test import Client

    client = Client()
    print(f"GET {BASE}: {args.works} works, {args.requests} requests each (in-process)")
    for label, url, walk in CASES:
        _measure(client, key, url, 2, walk)  # warm-up
        times, size, pages = _measure(client, key, url, args.requests, walk)
        times_ms = sorted(t * 1000 for t in times)
        print(f"  {label}: {pages} request(s), {size / 1024:.0f} KiB; p50 {statistics.median(times_ms):.0f} ms, "
              f"p95 {_p95(times_ms):.0f} ms, {len(times) / sum(times) * pages:.1f} requests/s")


class _HttpClient:
    """The test client's `get` over HTTP: the Bearer key and the TLS proxy's header."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()

    def get(self, path: str, HTTP_AUTHORIZATION: str):  # noqa: N803 (the test client's name)
        if path.startswith("http"):  # `next` is absolute
            path = "/" + path.split("/", 3)[3]
        response = self.session.get(self.url + path, timeout=120, allow_redirects=False,
                                    headers={"Authorization": HTTP_AUTHORIZATION, "X-Forwarded-Proto": "https"})
        return response


def _run_gunicorn(args, key: str, workdir: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "orcid_portal.wsgi", "--config", str(ROOT / "docs/deploy/gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", "--workers", str(args.gunicorn)]
    clients = args.clients or args.gunicorn
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(url, server, log_path)
            from django.db import connection

            print(f"GET {BASE}: {args.works} works, {args.requests} requests each, over HTTP: "
                  f"gunicorn {args.gunicorn} worker(s) on {connection.vendor}, DEBUG off "
                  f"({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
            for label, path, walk in CASES:
                client = _HttpClient(url)
                for _ in range(args.gunicorn):  # warm-up: every worker's first answer
                    _measure(client, key, path, 1, walk)
                times, size, pages = _measure(client, key, path, args.requests, walk)
                times_ms = [t * 1000 for t in times]
                loaded = _under_load(url, key, path, walk, clients, args.requests)
                print(f"  {label}: {pages} request(s), {size / 1024:.0f} KiB; p50 {statistics.median(times_ms):.0f} ms, "
                      f"p95 {_p95(times_ms):.0f} ms; {len(times) / sum(times) * pages:.1f} requests/s with 1 client, "
                      f"{loaded:.1f} requests/s with {clients} clients at once")
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


def _under_load(url: str, key: str, path: str, walk: bool, clients: int, total: int) -> float:
    """HTTP requests/s with `clients` threads asking at once, `total` measured walks or requests
    in all (each thread's share)."""
    counts = [0] * clients
    failures: list[BaseException] = []

    def ask(i: int) -> None:
        try:
            client = _HttpClient(url)
            for _ in range(max(1, total // clients)):
                counts[i] += _measure(client, key, path, 1, walk)[2]
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return sum(counts) / wall


def _wait_ready(url: str, server: subprocess.Popen, log: Path, deadline_s: float = 120.0) -> None:
    import requests

    deadline = time.monotonic() + deadline_s
    while True:
        try:
            if requests.get(f"{url}/health/ready", timeout=10, allow_redirects=False).status_code == 200:
                return
        except requests.RequestException:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
