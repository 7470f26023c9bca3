"""Fairness (issue 17, item 6): a run serves researchers' new items before anyone's changes, so
one researcher with many changed works does not hold back another's new work. The order is
read from the calls the simulator received, not from timings."""

from __future__ import annotations

import pytest

from putcodes.services import researcher_sync
from tests.fixtures.works import WorkFactory

pytestmark = pytest.mark.django_db


def _writes(sync_env):
    return [
        (str(call.get("method", "")).upper(), str(call.get("path", "")))
        for call in sync_env.simulator.calls()
        if "/v3.0/" in str(call.get("path", "")) and str(call.get("method", "")).upper() in ("POST", "PUT", "DELETE")
    ]


def test_a_small_researchers_new_work_is_written_before_a_big_researchers_changes(sync_env):
    big, big_connection = sync_env.researcher(works=12)  # the lower id: first in the run's order
    researcher_sync(researcher=big)
    for work in big.works.all():
        work.title = f"{work.title}, revised"
        work.save()
    small, small_connection = sync_env.researcher()
    WorkFactory(researcher=small, eligible=True)
    before = len(_writes(sync_env))

    run = sync_env.sync()

    assert (run.created, run.updated) == (1, 12)
    writes = _writes(sync_env)[before:]
    small_post = [i for i, (method, path) in enumerate(writes) if method == "POST" and small_connection.orcid in path]
    big_puts = [i for i, (method, path) in enumerate(writes) if method == "PUT" and big_connection.orcid in path]
    assert len(small_post) == 1 and len(big_puts) == 12
    assert small_post[0] < min(big_puts)
