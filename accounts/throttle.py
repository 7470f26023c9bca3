"""Throttling of the password login page against guessing.

Failed attempts are counted in the cache per (institutional ID, client address), so one
person mistyping does not lock anyone else out, and per client address across all IDs, so
one address cannot spray guesses over many IDs. Counters expire `LOGIN_FAILURE_WINDOW`
seconds after the first failure of the window. With several web workers use a shared cache
(Redis, the database) so the counts are shared.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _keys(*, username: str, ip: str) -> tuple[str, str]:
    return _key("user-ip", username.strip().lower(), ip), _key("ip", ip)


def login_is_throttled(*, username: str, ip: str) -> bool:
    """True while this ID from this address, or this address overall, has failed too often."""
    user_ip_key, ip_key = _keys(username=username, ip=ip)
    counts = cache.get_many([user_ip_key, ip_key])
    return counts.get(user_ip_key, 0) >= _limit("LOGIN_FAILURES_PER_USER_IP", 5) or counts.get(ip_key, 0) >= _limit(
        "LOGIN_FAILURES_PER_IP", 50
    )


def login_failure_record(*, username: str, ip: str) -> None:
    """Count one failed attempt."""
    window = _limit("LOGIN_FAILURE_WINDOW", 15 * 60)
    for key in _keys(username=username, ip=ip):
        # add() starts the window only for the first failure; incr keeps its expiry.
        if not cache.add(key, 1, timeout=window):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=window)


def login_failures_clear(*, username: str, ip: str) -> None:
    """Forget this ID's failures from this address after a successful sign-in."""
    cache.delete(_keys(username=username, ip=ip)[0])


def login_window_minutes() -> int:
    return max(1, _limit("LOGIN_FAILURE_WINDOW", 15 * 60) // 60)
