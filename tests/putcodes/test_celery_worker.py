"""The production path, end to end: a real Celery worker (its own process, as `celery -A
orcid_portal worker` runs it) takes the scheduled task from Redis, fans out one task per
researcher through Redis, and writes the approved works to ORCID (the simulator).

Needs PostgreSQL (the worker is another process and must see the test's committed rows) and
Redis (TEST_REDIS_URL); `make test` provides both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings as django_settings
from django.db import connection as db

from orcid_portal.celery import app
from putcodes.models import OrcidItem, SyncRun
from putcodes.tasks import SYNC_ALL_TASK

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
BASE_DIR = Path(django_settings.BASE_DIR)

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set"),
    pytest.mark.django_db(transaction=True),
]


def _database_url() -> str:
    conf = db.settings_dict
    return f"postgres://{conf['USER']}:{conf['PASSWORD']}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


@pytest.fixture
def broker():
    """A connection to Redis as the broker, with nothing left in the queue. (Explicit: the test
    process's Celery app is configured without a broker, to run tasks in-process.)"""
    if db.vendor != "postgresql":
        pytest.skip("the worker process needs the test database to be PostgreSQL")
    with app.connection_for_write(REDIS_URL) as connection:
        app.amqp.TaskConsumer(connection).purge()
        yield connection


@pytest.fixture
def worker(broker, orcid_simulator, tmp_path):
    env = {
        **os.environ,
        "PORTAL_ENV_FILE": "/nonexistent",
        "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "REDIS_URL": REDIS_URL,
        "ORCID_BASE_URL": orcid_simulator.url,
        "ORCID_API_URL": orcid_simulator.url,
        "TOKEN_ENCRYPTION_KEYS": ",".join(django_settings.TOKEN_ENCRYPTION_KEYS),
        "ORCID_WEBHOOKS_ENABLED": "false",
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "orcid_portal", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    process.broker = broker
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(condition, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.2)


def test_a_celery_worker_over_redis_runs_the_scheduled_sync(sync_env, worker):
    researchers = [sync_env.researcher(works=2) for _ in range(3)]

    with warnings.catch_warnings():
        # The test process's app runs tasks eagerly; sending by name to the broker is the point.
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(SYNC_ALL_TASK, connection=worker.broker)

    wait_for(lambda: SyncRun.objects.filter(status=SyncRun.Status.FINISHED).exists())
    run = SyncRun.objects.get()
    assert run.researchers_total == run.researchers_done == 3
    assert run.created == 6 and run.failed == 0
    for researcher, connection in researchers:
        assert len(sync_env.orcid_works(connection.orcid)) == 2
        sync_env.assert_ledger_equals_orcid(researcher, connection.orcid)
    assert OrcidItem.objects.filter(state="on_orcid").count() == 6
    assert worker.poll() is None  # still serving
