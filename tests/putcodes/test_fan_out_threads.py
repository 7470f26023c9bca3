"""An in-process run on worker threads (what `orcid_sync` and each Celery batch task do): every
researcher's works are written, and the threads' database connections, kept from one researcher
to the next, are all closed when the run ends.

Needs PostgreSQL: the threads must see the test's committed rows (each has its own connection)."""

from __future__ import annotations

import pytest
from django.db import connection as db

from putcodes.models import OrcidItem, SyncRun
from putcodes.services import sync_run_execute, sync_run_start

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def _backends() -> int:
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_run_on_threads_writes_everyone_and_leaves_no_connection_open(sync_env):
    if db.vendor != "postgresql":
        pytest.skip("the worker threads need the test database to be PostgreSQL")
    researchers = [sync_env.researcher(works=3) for _ in range(6)]
    before = _backends()
    run = sync_run_start(triggered_by="test", trigger=SyncRun.Trigger.COMMAND)
    run = sync_run_execute(run=run, workers=3)
    assert (run.created, run.failed, run.researchers_done) == (18, 0, 6)
    for researcher, connection in researchers:
        assert len(sync_env.orcid_works(connection.orcid)) == 3
        assert OrcidItem.objects.filter(researcher=researcher, state=OrcidItem.State.ON_ORCID).count() == 3
    assert _backends() == before
