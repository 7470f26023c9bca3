"""A real mass change is said before it starts (orcid_sync's estimate, --dry-run) and can be
spread over runs (ORCID_MAX_UPDATES_PER_RUN), over real HTTP against the simulator (issue 17)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _changed(sync_env, works: int):
    researcher, _ = sync_env.researcher(works=works)
    sync_env.sync()
    for work in researcher.works.all():
        work.title += " (second edition)"
        work.save()
    sync_env.simulator.clear_calls()
    return researcher


def test_a_dry_run_says_the_calls_and_the_time_and_writes_nothing(sync_env, settings):
    _changed(sync_env, works=4)
    sync_env.researcher(works=3)  # three new works: one bulk call
    settings.ORCID_REQUESTS_PER_SECOND = 2
    out = StringIO()

    call_command("orcid_sync", "--dry-run", stdout=out)

    line = out.getvalue().strip()
    assert "create=3 update=4 delete=0" in line and "unchanged=0" in line
    assert "about 5 ORCID call(s), 0 h 00 min 02 s at 2 calls/s" in line
    assert sync_env.write_calls() == 0 and sync_env.read_calls() == 0


def test_updates_beyond_the_cap_wait_for_the_next_run(sync_env, settings):
    researcher = _changed(sync_env, works=5)
    settings.ORCID_MAX_UPDATES_PER_RUN = 2
    newest = sorted(researcher.works.all(), key=lambda w: w.updated_at, reverse=True)[:2]

    first = sync_env.sync()

    assert (first.updated, first.skipped) == (2, 3)
    assert sync_env.write_calls() == 2
    from putcodes.models import OrcidItem

    written = set(OrcidItem.objects.filter(last_run=first, last_action="updated").values_list("work_id", flat=True))
    assert written == {w.pk for w in newest}
    assert sync_env.sync().updated == 2
    assert sync_env.sync().updated == 1
    assert sync_env.sync().updated == 0
