"""One writer per ORCID record: the per-iD lock (database lease, or Redis when configured)."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from putcodes import locks
from putcodes.locks import orcid_record_lock
from putcodes.models import OrcidRecordLock

pytestmark = pytest.mark.django_db


def test_a_second_writer_does_not_get_a_held_record_lock():
    with orcid_record_lock("0000-0001-0000-0001") as first:
        assert first
        with orcid_record_lock("0000-0001-0000-0001") as second:
            assert not second
        with orcid_record_lock("0000-0001-0000-0002") as other_record:
            assert other_record


def test_the_record_lock_is_free_again_after_release():
    with orcid_record_lock("0000-0001-0000-0003") as taken:
        assert taken
    with orcid_record_lock("0000-0001-0000-0003") as again:
        assert again


def test_an_expired_lease_of_a_crashed_worker_can_be_taken_over():
    OrcidRecordLock.objects.create(
        orcid="0000-0001-0000-0004", owner="crashed-worker", expires_at=timezone.now() - timedelta(seconds=1)
    )
    with orcid_record_lock("0000-0001-0000-0004") as taken:
        assert taken


def test_a_live_lease_of_another_worker_is_respected():
    OrcidRecordLock.objects.create(
        orcid="0000-0001-0000-0005", owner="busy-worker", expires_at=timezone.now() + timedelta(minutes=5)
    )
    with orcid_record_lock("0000-0001-0000-0005", wait=0.2) as taken:
        assert not taken
    assert OrcidRecordLock.objects.get(orcid="0000-0001-0000-0005").owner == "busy-worker"


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_the_redis_lock_keeps_one_writer_per_record(settings, monkeypatch):
    settings.REDIS_URL = os.environ["TEST_REDIS_URL"]
    monkeypatch.setattr(locks, "REDIS_PREFIX", f"test:{uuid.uuid4().hex}:")
    with orcid_record_lock("0000-0001-0000-0006") as first:
        assert first
        with orcid_record_lock("0000-0001-0000-0006") as second:
            assert not second
    with orcid_record_lock("0000-0001-0000-0006") as again:
        assert again
    assert not OrcidRecordLock.objects.filter(orcid="0000-0001-0000-0006").exists()
