"""Benchmark: GET /api/v1/researchers/{id}/works for a researcher with 2,000 works (issue 17,
item 7): p50, p95 and requests/s of one page (default limit 500), of walking every page (`next`
until null), and of the whole list in one page (`?limit=5000`, what the API answered before it
was paginated). In-process through Django's test client (the view, its queries and the JSON;
no network, one process), on a fresh SQLite database in a temporary directory.

    .venv/bin/python benchmarks/bench_works_api.py                 # 2,000 works, 40 requests each
    .venv/bin/python benchmarks/bench_works_api.py --works 500 --requests 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--works", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-works-api-"))
    os.environ.update({
        "PORTAL_ENV_FILE": "/nonexistent", "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "PORTAL_VAR_DIR": str(workdir / "var"), "LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": "", "REDIS_URL": "",
        "ALLOWED_HOSTS": "testserver",
    })
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        _run(args)
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


def _run(args) -> None:
    from django.test import Client

    key = _load(args.works)
    client = Client()
    base = "/api/v1/researchers/ada/works"
    print(f"GET {base}: {args.works} works, {args.requests} requests each (in-process)")
    for label, url, walk in (
        ("one page (default limit)", base, False),
        ("every page, following next", base, True),
        ("all in one page (?limit=5000; the unpaginated answer before)", f"{base}?limit=5000", False),
    ):
        _measure(client, key, url, 2, walk)  # warm-up
        times, size, pages = _measure(client, key, url, args.requests, walk)
        times_ms = sorted(t * 1000 for t in times)
        p95 = times_ms[min(len(times_ms) - 1, int(round(0.95 * len(times_ms))) - 1)]
        print(f"  {label}: {pages} request(s), {size / 1024:.0f} KiB; p50 {statistics.median(times_ms):.0f} ms, "
              f"p95 {p95:.0f} ms, {len(times) / sum(times) * pages:.1f} requests/s")


if __name__ == "__main__":
    main()
