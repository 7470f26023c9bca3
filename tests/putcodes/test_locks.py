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


def _dead_pid() -> int:
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_lease_left_by_a_dead_process_on_this_machine_is_taken_over_at_once():
    import socket

    dead = f"{socket.gethostname()[:30]}:{_dead_pid()}:feedface"
    OrcidRecordLock.objects.create(
        orcid="0000-0001-0000-0007", owner=dead, expires_at=timezone.now() + timedelta(minutes=5))
    with orcid_record_lock("0000-0001-0000-0007") as taken:
        assert taken
        assert OrcidRecordLock.objects.get(orcid="0000-0001-0000-0007").owner != dead


def test_a_lease_of_a_live_process_on_this_machine_is_respected():
    import socket

    alive = f"{socket.gethostname()[:30]}:{os.getppid()}:cafe"
    OrcidRecordLock.objects.create(
        orcid="0000-0001-0000-0008", owner=alive, expires_at=timezone.now() + timedelta(minutes=5))
    with orcid_record_lock("0000-0001-0000-0008") as taken:
        assert not taken


def test_a_held_lease_is_renewed_while_its_holder_lives(settings):
    settings.ORCID_RECORD_LOCK_TTL = 30
    with orcid_record_lock("0000-0001-0000-0009") as taken:
        assert taken
        OrcidRecordLock.objects.filter(orcid="0000-0001-0000-0009").update(
            expires_at=timezone.now() - timedelta(seconds=1))
        for renew in list(locks._keeper._held.values()):  # what the keeper thread does every TTL/3
            renew()
        lease = OrcidRecordLock.objects.get(orcid="0000-0001-0000-0009")
        assert lease.expires_at > timezone.now() + timedelta(seconds=20)
        with orcid_record_lock("0000-0001-0000-0009") as second:
            assert not second
    assert not locks._keeper._held


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_a_redis_lock_of_a_dead_process_is_taken_over_at_once(settings, monkeypatch):
    import socket

    settings.REDIS_URL = os.environ["TEST_REDIS_URL"]
    prefix = f"test:{uuid.uuid4().hex}:"
    monkeypatch.setattr(locks, "REDIS_PREFIX", prefix)
    client = locks._redis(settings.REDIS_URL)
    client.set(prefix + "0000-0001-0000-0010", f"{socket.gethostname()[:30]}:{_dead_pid()}:beef", ex=300)
    with orcid_record_lock("0000-0001-0000-0010") as taken:
        assert taken
