"""Several machines (issue 18): two Celery workers with different node names on the same Redis and
PostgreSQL share ORCID's rate limit (the sum stays under it) and never write an item twice,
even when two runs over the same researchers overlap.

Needs PostgreSQL (the workers are other processes and must see the test's committed rows) and
Redis (TEST_REDIS_URL); `make test` provides both. Reuses the real-worker test's fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings as django_settings

from orcid_portal.celery import app
from putcodes.models import OrcidItem, SyncRun
from putcodes.tasks import SYNC_ALL_TASK
from tests.putcodes.test_celery_worker import BASE_DIR, REDIS_URL, _database_url, broker  # noqa: F401

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set"),
    pytest.mark.django_db(transaction=True),
]

# The portal's limit (what every worker together must keep) and the simulator's, a little above it:
# two workers each on its own bucket would send about twice the rate and be refused.
RATE, BURST = 8.0, 4
SIMULATOR_RATE, SIMULATOR_BURST = 10.0, 8


@pytest.fixture
def two_workers(broker, orcid_simulator, tmp_path):  # noqa: F811
    from redis import Redis

    redis = Redis.from_url(REDIS_URL)
    leftovers = redis.keys("*orcid*")  # another test's rate-limit bucket or record locks
    if leftovers:
        redis.delete(*leftovers)
    orcid_simulator.set_rate_limit(rate=SIMULATOR_RATE, burst=SIMULATOR_BURST)
    env = {
        **os.environ,
        "PORTAL_ENV_FILE": "/nonexistent",
        "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "REDIS_URL": REDIS_URL,
        "ORCID_BASE_URL": orcid_simulator.url,
        "ORCID_API_URL": orcid_simulator.url,
        "ORCID_REQUESTS_PER_SECOND": str(RATE),
        "ORCID_BURST": str(BURST),
        "TOKEN_ENCRYPTION_KEYS": ",".join(django_settings.TOKEN_ENCRYPTION_KEYS),
        "ORCID_WEBHOOKS_ENABLED": "false",
        # Batches of two researchers: each run is four tasks, so both workers take some.
        "ORCID_SYNC_TASK_BATCH": "2",
    }
    workers = []
    for name in ("alpha", "beta"):
        log_path = tmp_path / f"{name}.log"
        log = log_path.open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "orcid_portal", "worker", "--hostname", f"{name}@%h",
             "--pool", "threads", "--concurrency", "3", "--loglevel", "INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        workers.append((name, process, log, log_path))
    for name, process, _, log_path in workers:
        wait_for(lambda: " ready." in log_path.read_text() or process.poll() is not None, what=f"worker {name}")
        assert process.poll() is None, log_path.read_text()
    yield broker, workers
    for _, process, log, _ in workers:
        process.terminate()
    for _, process, log, _ in workers:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_for(condition, *, what: str, timeout: float = 300.0) -> None:
    """A generous deadline (a busy two-core machine): a passing test never waits it out."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _max_in_window(times: list[float], seconds: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_two_workers_share_the_rate_limit_and_write_each_item_once(sync_env, two_workers, orcid_simulator):
    connection, workers = two_workers
    researchers = [sync_env.researcher(works=3) for _ in range(8)]
    orcid_simulator.clear_calls()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        # Two overlapping runs over the same researchers: the per-record lock and the ledger must
        # keep them from writing anything twice.
        app.send_task(SYNC_ALL_TASK, connection=connection)
        app.send_task(SYNC_ALL_TASK, connection=connection)
    wait_for(lambda: SyncRun.objects.filter(finished_at__isnull=False).count() == 2, what="both runs to finish")

    for researcher, connection in researchers:
        assert len(sync_env.orcid_works(connection.orcid)) == 3, "each work on ORCID exactly once"
        sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)
    assert OrcidItem.objects.filter(state="on_orcid").count() == 24

    calls = [c for c in orcid_simulator.calls() if "/v3.0/" in c["path"] or "/oauth/" in c["path"]]
    assert not [c for c in calls if c.get("fault") == "rate-limited"], "ORCID never had to refuse a call"
    # In any stretch of time the sum of both workers' calls stays within the shared bucket.
    for seconds in (1.0, 3.0):
        assert _max_in_window([c["time"] for c in calls], seconds) <= BURST + RATE * seconds + 2
    for name, process, _, log_path in workers:
        assert "putcodes.sync_researcher" in log_path.read_text(), f"worker {name} took researcher tasks"
        assert process.poll() is None
