"""The full reconcile spread over its interval, and yielding to writes (issue 17, item 2)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone as tz

import pytest

from orcid_client.ratelimit import LocalTokenBucket
from putcodes import reconcile_budget
from putcodes.models import OrcidItem, SyncRun
from putcodes.reconcile import researchers_to_reconcile
from putcodes.reconcile_budget import reconcile_entry_minutes, reconcile_slice, reconcile_yield
from tests.fixtures.connections import OrcidConnectionFactory, orcid_id
from tests.fixtures.works import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def _with_item_on_orcid(n: int):
    user = UserFactory()
    OrcidConnectionFactory(user=user, orcid=orcid_id(n))
    work = WorkFactory(researcher=user)
    OrcidItem.objects.create(unit=work.unit, researcher=user, orcid=orcid_id(n), kind="work",
                             local_id=work.local_id, work=work, put_code=1000 + n, state="on_orcid")
    return user.pk


def test_a_cycle_of_slices_reads_each_record_exactly_once(settings):
    settings.ORCID_RECONCILE_INTERVAL_HOURS, settings.ORCID_RECONCILE_SLICES = 24, 4
    everyone = {_with_item_on_orcid(n) for n in range(1, 11)}
    start = datetime(2026, 12, 1, tzinfo=tz.utc)

    runs = [set(researchers_to_reconcile(slice_=reconcile_slice(start + timedelta(hours=6 * k))))
            for k in range(4)]

    assert reconcile_entry_minutes() == 360
    assert set().union(*runs) == everyone and sum(len(r) for r in runs) == len(everyone)
    assert all(len(r) < len(everyone) for r in runs)  # no run reads them all


def test_a_daily_entry_kept_by_an_admin_still_covers_everyone_in_a_weekly_cycle(settings):
    settings.ORCID_RECONCILE_INTERVAL_HOURS = 168  # webhooks on: a weekly safety net
    everyone = {_with_item_on_orcid(n) for n in range(1, 15)}
    start = datetime(2026, 12, 1, tzinfo=tz.utc)
    runs = [set(researchers_to_reconcile(slice_=reconcile_slice(start + timedelta(days=k), entry_minutes=1440)))
            for k in range(7)]
    assert set().union(*runs) == everyone and sum(len(r) for r in runs) == len(everyone)


@pytest.fixture
def paced(settings, monkeypatch):
    """The reconcile's bucket on a fake clock: returns the waits it asked for."""
    settings.ORCID_REQUESTS_PER_SECOND, settings.ORCID_RECONCILE_BUDGET_SHARE = 10, 0.2
    settings.REDIS_URL = ""
    clock, waits = [0.0], []
    bucket = LocalTokenBucket(2.0, 1, clock=lambda: clock[0], sleep=waits.append)
    monkeypatch.setattr(reconcile_budget, "reconcile_limiter", lambda: bucket)
    monkeypatch.setitem(reconcile_budget._sync_seen, "at", -1e9)
    return waits


def test_the_reconcile_takes_the_whole_limit_when_nothing_is_written(paced):
    for _ in range(5):
        assert reconcile_yield() == 0
    assert paced == []


def test_the_reconcile_takes_at_most_its_share_while_a_sync_runs(paced):
    SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, status=SyncRun.Status.RUNNING)
    for _ in range(5):
        reconcile_yield()
    # 0.2 × 10 calls/s = 2 reads a second: each read after the first waits its half second.
    assert paced == pytest.approx([0.5, 1.0, 1.5, 2.0])
