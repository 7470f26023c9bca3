"""One writer per ORCID record at a time.

ORCID applies one write at a time per record, and two overlapping sync runs (the schedule
and an admin's "sync now", or a webhook) must never both plan and write the same items.
So everything that writes to a record holds `orcid_record_lock(orcid)` while it plans and
writes. With Redis (settings.REDIS_URL) it is a Redis lock shared by every worker (as
INSPIRE keeps one per iD); without, a lease row in the database (`OrcidRecordLock`), taken
by one conditional UPDATE, which is atomic on SQLite and PostgreSQL alike. Both expire
after `ttl` seconds, so a crashed worker does not block a record for ever.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OrcidRecordLock

logger = logging.getLogger(__name__)

# Longer than a task's hard time limit, so a lease outlives the task that holds it.
DEFAULT_TTL = 900
REDIS_PREFIX = "orcid-portal:record-lock:"

_redis_clients: dict[str, object] = {}
_redis_lock = threading.Lock()


def _redis(url: str):
    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
            _redis_clients[url] = client
        return client


@contextmanager
def orcid_record_lock(orcid: str, *, ttl: int = DEFAULT_TTL, wait: float = 0.0) -> Iterator[bool]:
    """Hold the write lock of record `orcid`; yields whether it was taken (False: another
    writer holds it and did not let go within `wait` seconds). Must be used outside any
    transaction (the database lease must commit to be seen)."""
    redis_url = getattr(settings, "REDIS_URL", "") or ""
    if redis_url:
        with _redis_record_lock(redis_url, orcid, ttl=ttl, wait=wait) as taken:
            yield taken
    else:
        with _db_record_lock(orcid, ttl=ttl, wait=wait) as taken:
            yield taken


@contextmanager
def _redis_record_lock(url: str, orcid: str, *, ttl: int, wait: float) -> Iterator[bool]:
    from redis.exceptions import LockError

    lock = _redis(url).lock(REDIS_PREFIX + orcid, timeout=ttl, blocking=wait > 0, blocking_timeout=wait or None)
    taken = lock.acquire()
    try:
        yield bool(taken)
    finally:
        if taken:
            try:
                lock.release()
            except LockError:  # expired meanwhile: someone else may hold it now; nothing to free
                logger.warning("The lock of ORCID record %s expired before it was released", orcid)


@contextmanager
def _db_record_lock(orcid: str, *, ttl: int, wait: float) -> Iterator[bool]:
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while True:
        taken = _db_take(orcid, owner, ttl)
        if taken or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    try:
        yield taken
    finally:
        if taken:
            OrcidRecordLock.objects.filter(orcid=orcid, owner=owner).update(owner="", expires_at=None)


def _db_take(orcid: str, owner: str, ttl: int) -> bool:
    """One conditional UPDATE (the lease is free or expired); the first time for a record, an
    INSERT, which fails if another writer inserted it first."""
    now = timezone.now()
    expires = now + timedelta(seconds=ttl)
    if (
        OrcidRecordLock.objects.filter(orcid=orcid)
        .filter(Q(owner="") | Q(expires_at__isnull=True) | Q(expires_at__lt=now))
        .update(owner=owner, expires_at=expires)
    ):
        return True
    try:
        with transaction.atomic():
            OrcidRecordLock.objects.create(orcid=orcid, owner=owner, expires_at=expires)
        return True
    except IntegrityError:  # the row exists and someone holds it
        return False
