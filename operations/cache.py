"""The shared cache (Redis) with a way down: when Redis cannot be reached, each call falls back
to a cache in this process's memory instead of raising, so that sign-in, "sync now" and the
webhook callback keep answering (their rate limits and debounce then hold per process only).
The outage is logged (at most once a minute per process); /health/ready reports it.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_FALLBACK_METHODS = (
    "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "decr", "set_many", "delete_many", "clear",
    "get_or_set",
)


def _unreachable(exc: BaseException) -> bool:
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError

    return isinstance(exc, (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError))


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._warned_at = 0.0

    def _fallback(self, name: str, exc: BaseException):
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            logger.warning("Redis cache unreachable (%s): using this process's memory", type(exc).__name__)
        return getattr(self._local, name)


def _wrap(name: str):
    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except Exception as exc:
            if not _unreachable(exc):
                raise
            return self._fallback(name, exc)(*args, **kwargs)

    method.__name__ = name
    return method


for _name in _FALLBACK_METHODS:
    setattr(FallbackRedisCache, _name, _wrap(_name))
