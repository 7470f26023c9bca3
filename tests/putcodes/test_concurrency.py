"""Two sync runs at once (two `orcid_sync` processes on one database, as the schedule and an
admin's "sync now" may overlap) never write the same item twice: the per-iD lock keeps one
writer per ORCID record, and the ledger's state makes the second writer's plan empty."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"created=(\d+) updated=(\d+) deleted=(\d+) unchanged=(\d+) skipped=(\d+) failed=(\d+)")

SETUP = """
import requests
from django.utils import timezone
from connections.crypto import token_encrypt
from connections.models import OrcidConnection
from tests.fixtures.works import ResearcherFactory, UnitFactory, WorkFactory
unit = UnitFactory(code="library")
for i in range({researchers}):
    record = requests.post("{url}/_simulator/records", json={{"name": f"R {{i}}"}}, timeout=10).json()
    user = ResearcherFactory(username=f"r{{i}}")
    OrcidConnection.objects.create(
        user=user, orcid=record["orcid"], scopes=["/activities/update", "/read-limited"],
        access_token_encrypted=token_encrypt(record["access_token"]),
        refresh_token_encrypted=token_encrypt(record.get("refresh_token") or ""),
        expires_at=timezone.now() + timezone.timedelta(days=30), connected_at=timezone.now(),
    )
    for _ in range({works}):
        WorkFactory(researcher=user, unit=unit, eligible=True)
print("ready")
"""


def test_two_runs_at_once_never_write_the_same_item_twice(sync_env, tmp_path):
    simulator = sync_env.simulator
    # A little latency so the two runs really overlap.
    simulator.set_faults(latency_ms=[50, 80])
    env = {
        **os.environ,
        "PORTAL_ENV_FILE": "/nonexistent",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ORCID_BASE_URL": sync_env.url,
        "ORCID_API_URL": sync_env.url,
        "ORCID_WEBHOOKS_ENABLED": "false",
        "ORCID_REQUESTS_PER_SECOND": "1000",
        "ORCID_BURST": "1000",
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=120)
    researchers, works = 6, 5
    subprocess.run(
        [*manage, "shell", "-c", SETUP.format(url=sync_env.url, researchers=researchers, works=works)],
        cwd=ROOT, env=env, check=True, timeout=120, capture_output=True,
    )
    runs = [
        subprocess.Popen([*manage, "orcid_sync", "--no-progress", "--workers", "3"], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    totals = [tuple(map(int, SUMMARY.search(out.strip().splitlines()[-1]).groups())) for out, _ in outputs]
    assert sum(t[0] for t in totals) == researchers * works  # created once, by one run or the other
    assert sum(t[5] for t in totals) == 0
    # ORCID got one bulk POST per researcher, and each record holds each work once.
    posts = [c for c in simulator.calls() if str(c.get("method")).upper() == "POST" and "/v3.0/" in str(c.get("path"))]
    assert len(posts) == researchers
    for record in {str(c["path"]).split("/")[2] for c in posts}:
        items = sync_env.orcid_works(record)
        assert len(items) == works
