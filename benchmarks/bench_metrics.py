"""How long a /metrics scrape and a /health/ready probe take on a ledger of 50,000 items (issue 18).

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_metrics.py [ITEMS]

Builds a throw-away SQLite database in a temporary directory (never the portal's own), fills
the ledger, sync runs and connections, then times the database collector and the probe.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
WORK = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402


def fill(items: int) -> None:
    from django.contrib.auth import get_user_model

    from putcodes.models import OrcidItem, SyncRun
    from units.models import Unit

    call_command("migrate", "--noinput", verbosity=0)
    unit = Unit.objects.create(code="library", name="Library")
    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"r{n:05d}") for n in range(items // 20)])
    states = [s for s, _ in OrcidItem.State.choices]
    OrcidItem.objects.bulk_create(
        [OrcidItem(unit=unit, researcher=users[n % len(users)], orcid=f"0000-0000-0000-{n % len(users):04d}",
                   kind="work", local_id=f"w{n}", state=states[n % len(states)]) for n in range(items)],
        batch_size=2000,
    )
    SyncRun.objects.bulk_create([SyncRun(trigger="schedule", status="finished", created=n % 50) for n in range(500)])


def timed(label: str, call, repeat: int = 5) -> None:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    print(f"{label}: median {sorted(times)[len(times) // 2] * 1000:.1f} ms over {repeat} runs")


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    fill(items)
    client = Client()
    print(f"ledger: {items} items; database {WORK / 'db.sqlite3'}")
    timed("GET /metrics (loopback)", lambda: client.get("/metrics", REMOTE_ADDR="127.0.0.1"))
    timed("GET /health/ready", lambda: client.get("/health/ready"), repeat=20)
    timed("GET /health/live", lambda: client.get("/health/live"), repeat=20)


if __name__ == "__main__":
    main()
