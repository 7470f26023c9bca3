"""The client-side rate limit for ORCID's member API, shared by every worker.

ORCID allows a member client 24 requests a second with a burst of 40 and answers 503
past it (https://info.orcid.org/ufaqs/what-are-the-api-limits/). The limit is per client,
not per process, so every process that calls ORCID draws from one token bucket kept in
Redis when `settings.REDIS_URL` is set; without Redis (the embedded set-up, one machine: the
web process, `orcid_scheduler`, an `orcid_sync` command) the bucket is a small file under
`PORTAL_VAR_DIR` that those processes share under a file lock.

Both buckets work by reservation: `acquire()` takes a token at once, letting the count go
below zero, and sleeps for as long as the debt takes to refill. Waiting callers are so
served in order, one Redis round trip each, and the long-run rate never exceeds the limit.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Protocol

logger = logging.getLogger(__name__)


class RateLimiter(Protocol):
    """Anything with `acquire()`, which blocks until one request may be made."""

    def acquire(self) -> float:
        """Wait until a request may be made; return the seconds waited."""
        ...


class NoRateLimit:
    """A limiter that never waits (for tests that measure something else)."""

    def acquire(self) -> float:
        return 0.0


class _Bucket:
    """What the token buckets share: `rate` tokens a second, at most `burst` stored, taken by
    reservation (`reserve()`: one token now, the seconds to wait before using it)."""

    def __init__(self, rate: float, burst: int, sleep: Callable[[float], None]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._sleep = sleep

    def reserve(self) -> float:
        raise NotImplementedError

    def acquire(self) -> float:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait


class LocalTokenBucket(_Bucket):
    """A thread-safe token bucket for one process: `rate` tokens a second, at most `burst` stored."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate, burst, sleep)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._stamp = clock()

    def reserve(self) -> float:
        """Take one token now; return how many seconds the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class FileTokenBucket(_Bucket):
    """A token bucket in a file, shared by every process of this machine that uses `path`.

    The state is two doubles (tokens, the monotonic clock's time: one clock for the whole
    machine on Linux), read and written under an exclusive `flock`, so the processes of one
    machine draw from one bucket without Redis. A state from before a reboot (a stamp ahead of
    the clock) counts as a full bucket. Threads of a process take a lock first (a `flock` does
    not separate threads sharing a file descriptor), and a forked child opens the file again
    (parent and child would share one descriptor's lock otherwise).
    """

    _STATE = struct.Struct("<dd")

    def __init__(
        self,
        path: Path | str,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate, burst, sleep)
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
        return self._fd

    def reserve(self) -> float:
        """Take one token now; return how many seconds the caller must wait before using it."""
        import fcntl

        with self._lock:
            fd = self._descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                now = self._clock()
                raw = os.pread(fd, self._STATE.size, 0)
                tokens, stamp = self._STATE.unpack(raw) if len(raw) == self._STATE.size else (self.burst, now)
                if stamp > now:  # written before this machine's clock started again
                    tokens, stamp = self.burst, now
                tokens = min(self.burst, tokens + (now - stamp) * self.rate) - 1.0
                os.pwrite(fd, self._STATE.pack(tokens, now), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        return 0.0 if tokens >= 0 else -tokens / self.rate


# The bucket as a Redis hash {tokens, stamp_us}; the script reads Redis's own clock so that
# processes on machines with different clocks agree. Returns the wait in microseconds.
# The key expires once the bucket would be full again anyway, so idle buckets vanish.
_RESERVE_SCRIPT = """
local key = KEYS[1]
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', key, 'tokens', 'stamp')
local tokens = tonumber(state[1])
local stamp = tonumber(state[2])
if tokens == nil or stamp == nil then
  tokens = burst
  stamp = now
end
local elapsed = now - stamp
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate / 1000000)
tokens = tokens - 1
redis.call('HSET', key, 'tokens', tostring(tokens), 'stamp', tostring(now))
local refill_s = math.ceil((burst - tokens) / rate) + 1
redis.call('EXPIRE', key, refill_s)
if tokens >= 0 then
  return 0
end
return math.ceil(-tokens * 1000000 / rate)
"""


# Seconds to limit per process after Redis failed before asking Redis again.
REDIS_RETRY_AFTER = 10.0


class RedisTokenBucket(_Bucket):
    """A token bucket in Redis, shared by every process that uses the same `key`.

    The reservation is one atomic Lua script. If Redis cannot be reached, the limiter
    falls back to a per-process bucket (logged once) rather than stopping all ORCID work:
    ORCID's own 503s, which the client backs off from, are the last line.
    """

    def __init__(
        self,
        redis_client,
        rate: float,
        burst: int,
        *,
        key: str = "orcid:ratelimit",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate, burst, sleep)
        self.burst = int(burst)  # the Lua script's argument
        self.redis = redis_client
        self.key = key
        self._script = redis_client.register_script(_RESERVE_SCRIPT)
        self._fallback = LocalTokenBucket(rate, burst, sleep=sleep)
        self._warned = False
        # After a Redis failure, the process bucket is used for a while without asking Redis
        # again, so that an unreachable Redis does not add its timeout to every ORCID call.
        self._redis_down_until = 0.0

    def reserve(self) -> float:
        """Take one token now; return the seconds to wait before using it."""
        import redis as redis_lib

        if time.monotonic() < self._redis_down_until:
            return self._fallback.reserve()
        try:
            wait_us = self._script(keys=[self.key], args=[self.rate, self.burst])
        except redis_lib.RedisError as exc:
            self._redis_down_until = time.monotonic() + REDIS_RETRY_AFTER
            if not self._warned:
                logger.warning("ORCID rate limiter: Redis unavailable (%s); limiting per process", type(exc).__name__)
                self._warned = True
            return self._fallback.reserve()
        if self._warned:
            logger.warning("ORCID rate limiter: Redis is back; limiting across processes again")
            self._warned = False
        return int(wait_us) / 1_000_000


_default_lock = threading.Lock()

_default_limiters: dict[tuple, RateLimiter] = {}


def default_rate_limiter() -> RateLimiter:
    """The process's limiter for the configured ORCID client.

    A Redis bucket (keyed by the client id, so two portals on one Redis do not share it)
    when `settings.REDIS_URL` is set, else a file bucket under `settings.VAR_DIR` (one per
    client id) shared by the machine's processes. Built once per configuration.
    """
    from django.conf import settings

    rate = float(settings.ORCID_REQUESTS_PER_SECOND)
    burst = int(settings.ORCID_BURST)
    redis_url = settings.REDIS_URL or ""
    client_id = settings.ORCID_CLIENT_ID or ""
    var_dir = str(getattr(settings, "VAR_DIR", "") or "")
    config = (redis_url, rate, burst, client_id, var_dir)
    with _default_lock:
        limiter = _default_limiters.get(config)
        if limiter is None:
            if redis_url:
                limiter = RedisTokenBucket(
                    redis_connection(redis_url),
                    rate,
                    burst,
                    key=f"orcid:ratelimit:{client_id or 'default'}",
                )
            elif var_dir:
                name = "".join(c if c.isalnum() or c in "-_" else "_" for c in client_id or "default")
                limiter = FileTokenBucket(Path(var_dir) / f"orcid-ratelimit-{name}.bucket", rate, burst)
            else:
                limiter = LocalTokenBucket(rate, burst)
            _default_limiters[config] = limiter
        return limiter


def redis_connection(url: str, **kwargs):
    """A Redis connection for the limiter: short timeouts and one quick retry, because the
    limiter is on the path of every ORCID call and has a fallback when Redis is away."""
    import redis as redis_lib
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options = {"socket_timeout": 2, "socket_connect_timeout": 2, "retry": Retry(NoBackoff(), 1), **kwargs}
    return redis_lib.Redis.from_url(url, **options)


def unique_bucket_key(prefix: str = "orcid:ratelimit:test") -> str:
    """A fresh key, for tests that need buckets of their own on a shared Redis."""
    return f"{prefix}:{uuid.uuid4().hex}"
