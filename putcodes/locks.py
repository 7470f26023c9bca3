"""One writer per ORCID record at a time, and no dead writer holding a record.

ORCID applies one write at a time per record, and two overlapping sync runs (the schedule
and an admin's "sync now", or a webhook) must never both plan and write the same items.
So everything that writes to a record holds `orcid_record_lock(orcid)` while it plans and
writes. With Redis (settings.REDIS_URL) it is a Redis lock shared by every worker (as
INSPIRE keeps one per iD); without, a lease row in the database (`OrcidRecordLock`), taken
by one conditional UPDATE, which is atomic on SQLite and PostgreSQL alike.

Liveness (issue 11): a lease is short (`ORCID_RECORD_LOCK_TTL`, 30 s by default) and the
holder's process renews it every third of that from one keeper thread, however long the
writing takes; a process that dies (kill -9, a lost machine) stops renewing, so its record is
free again within the TTL. The owner names its host and process id, so a lock left by a dead
process on the same machine is taken over at once, without waiting for the TTL.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from typing import Callable, Iterator

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import OrcidRecordLock

logger = logging.getLogger(__name__)

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


def _new_owner() -> str:
    """`host:pid:nonce`: who holds a lock, so a dead holder on this machine is recognised."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def owner_is_dead(owner: str) -> bool:
    """Whether `owner` names a process of this machine that no longer runs. A holder on another
    machine is never judged here: its lease lapses when it stops renewing it."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname()[:30] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


class _Keeper:
    """One daemon thread per process that renews every lock the process holds."""

    def __init__(self) -> None:
        self._held: dict[str, Callable[[], None]] = {}
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, key: str, renew: Callable[[], None]) -> None:
        with self._guard:
            self._held[key] = renew
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="orcid-record-lock-keeper", daemon=True)
                self._thread.start()

    def release(self, key: str) -> None:
        with self._guard:
            self._held.pop(key, None)

    def _run(self) -> None:
        while True:
            time.sleep(max(lock_ttl() / 3, 0.5))
            with self._guard:
                renewals = list(self._held.values())
            if not renewals:
                continue
            for renew in renewals:
                try:
                    renew()
                except Exception:  # noqa: BLE001 - a failed renewal is retried next round; never kill the keeper
                    logger.warning("Could not renew an ORCID record lock", exc_info=True)
            # The keeper's own database connection is not kept between rounds (a test database
            # must be droppable, and a server may close idle connections).
            connection.close()


_keeper = _Keeper()


def lock_ttl() -> int:
    return int(settings.ORCID_RECORD_LOCK_TTL)


@contextmanager
def orcid_record_lock(orcid: str, *, ttl: int | None = None, wait: float = 0.0) -> Iterator[bool]:
    """Hold the write lock of record `orcid`; yields whether it was taken (False: another live
    writer holds it and did not let go within `wait` seconds). Must be used outside any
    transaction (the database lease must commit to be seen). The lease is renewed while held."""
    ttl = ttl or lock_ttl()
    redis_url = settings.REDIS_URL or ""
    if redis_url:
        with _redis_record_lock(redis_url, orcid, ttl=ttl, wait=wait) as taken:
            yield taken
    else:
        with _db_record_lock(orcid, ttl=ttl, wait=wait) as taken:
            yield taken


def _redis_take_from_dead(client, key: str) -> None:
    """Free `key` when the process holding it on this machine is dead (compare-and-delete, so a
    lock that changed hands meanwhile is left alone)."""
    holder = client.get(key)
    if holder is None:
        return
    holder_text = holder.decode() if isinstance(holder, bytes) else str(holder)
    if owner_is_dead(holder_text):
        script = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
        client.eval(script, 1, key, holder)
        logger.warning("Took over the ORCID record lock %s of a dead process (%s)", key, holder_text)


@contextmanager
def _redis_record_lock(url: str, orcid: str, *, ttl: int, wait: float) -> Iterator[bool]:
    from redis.exceptions import ConnectionError as RedisConnectionError, LockError, TimeoutError as RedisTimeoutError

    client = _redis(url)
    key = REDIS_PREFIX + orcid
    owner = _new_owner()
    lock = client.lock(key, timeout=ttl, blocking=wait > 0, blocking_timeout=wait or None)
    try:
        taken = lock.acquire(token=owner, blocking=False)
        if not taken:
            _redis_take_from_dead(client, key)
            taken = lock.acquire(token=owner)
    except (RedisConnectionError, RedisTimeoutError) as exc:
        # Redis down: the database lease still keeps one writer per record (issue 18).
        logger.warning("Redis unreachable (%s): ORCID record %s is locked with a database lease", type(exc).__name__,
                       orcid)
        with _db_record_lock(orcid, ttl=ttl, wait=wait) as taken:
            yield taken
        return
    if taken:
        _keeper.hold(f"redis:{key}:{owner}", lambda: lock.extend(ttl, replace_ttl=True))
    try:
        yield bool(taken)
    finally:
        if taken:
            _keeper.release(f"redis:{key}:{owner}")
            try:
                lock.release()
            except LockError:  # lapsed meanwhile: someone else may hold it now; nothing to free
                logger.warning("The lock of ORCID record %s lapsed before it was released", orcid)


@contextmanager
def _db_record_lock(orcid: str, *, ttl: int, wait: float) -> Iterator[bool]:
    owner = _new_owner()
    deadline = time.monotonic() + wait
    while True:
        taken = _db_take(orcid, owner, ttl)
        if taken or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    if taken:
        _keeper.hold(f"db:{orcid}:{owner}", lambda: _db_renew(orcid, owner, ttl))
    try:
        yield taken
    finally:
        if taken:
            _keeper.release(f"db:{orcid}:{owner}")
            OrcidRecordLock.objects.filter(orcid=orcid, owner=owner).update(owner="", expires_at=None)


def _db_renew(orcid: str, owner: str, ttl: int) -> None:
    OrcidRecordLock.objects.filter(orcid=orcid, owner=owner).update(
        expires_at=timezone.now() + timedelta(seconds=ttl))


def _db_take(orcid: str, owner: str, ttl: int) -> bool:
    """One conditional UPDATE (the lease is free, lapsed, or its holder is dead); the first time
    for a record, an INSERT, which fails if another writer inserted it first."""
    now = timezone.now()
    expires = now + timedelta(seconds=ttl)
    free = Q(owner="") | Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    if OrcidRecordLock.objects.filter(orcid=orcid).filter(free).update(owner=owner, expires_at=expires):
        return True
    holder = OrcidRecordLock.objects.filter(orcid=orcid).values_list("owner", flat=True).first()
    if holder and owner_is_dead(holder):
        if OrcidRecordLock.objects.filter(orcid=orcid, owner=holder).update(owner=owner, expires_at=expires):
            logger.warning("Took over the lease of ORCID record %s from a dead process (%s)", orcid, holder)
            return True
    if holder is not None:
        return False
    try:
        with transaction.atomic():
            OrcidRecordLock.objects.create(orcid=orcid, owner=owner, expires_at=expires)
        return True
    except IntegrityError:  # another writer inserted it first
        return False
