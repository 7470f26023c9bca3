"""The researcher's "sync now" answers before the run (issue 14): with the simulator at 500 ms a
call and 300 approved works, times the API's POST (202, the run queued) and the page's POST, then
how long the background run (a thread: no broker) takes to finish after the answer.

    .venv/bin/python benchmarks/bench_sync_now.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    workdir = tempfile.mkdtemp(prefix="bench-sync-now-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/db.sqlite3"
    os.environ.setdefault("PORTAL_ENV_FILE", "/nonexistent")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from orcid_simulator.testing import running_simulator
    from putcodes.background import background_join
    from tests.fixtures.sync import SyncEnv

    call_command("migrate", verbosity=0)
    with running_simulator() as handle:
        settings.ORCID_BASE_URL = settings.ORCID_API_URL = handle.url
        settings.ALLOWED_HOSTS = ["*"]
        env = SyncEnv(simulator=handle.control, url=handle.url)
        researcher, _ = env.researcher(works=300)
        handle.control.set_faults(latency_ms=500)
        client = Client()
        client.force_login(researcher)
        url = f"/api/v1/researchers/{researcher.username}/sync"
        started = time.monotonic()
        answer = client.post(url)
        answered = time.monotonic()
        print(f"POST {url}: {answer.status_code} {answer.json()['state']} in {(answered - started) * 1000:.0f} ms")
        page_started = time.monotonic()
        page = client.post("/orcid/sync/", {"next": "/works/"})
        print(f"POST /orcid/sync/ (joins the run): {page.status_code} in {(time.monotonic() - page_started) * 1000:.0f} ms")
        background_join(600)
        run = client.get(url).json()
        print(f"run {run['state']}: {run['message']} ({time.monotonic() - answered:.1f} s after the answer)")


if __name__ == "__main__":
    main()
