"""`/health/live` and `/health/ready` (CONTRACT §5) for load balancers, systemd and compose.

Both are cheap (one `SELECT 1`, one Redis PING with short timeouts), need no sign-in, and are
not logged at INFO (operations.logging.HealthCheckFilter): a probe every few seconds would
drown the log. The answer names what failed, never a password or an address.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

# Seconds a Redis check may take before the portal counts Redis as down.
REDIS_TIMEOUT = 2.0


def redis_urls() -> list[str]:
    """The Redis servers the portal uses: the shared cache/limiter/locks and the broker."""
    urls = [settings.REDIS_URL or ""]
    broker = settings.CELERY_BROKER_URL or ""
    if broker.startswith(("redis://", "rediss://", "unix://")):
        urls.append(broker)
    return list(dict.fromkeys(u for u in urls if u))


def database_check() -> str | None:
    """None when the database answers, else why not (no secrets: the exception's class only)."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; the reason is logged
        logger.warning("Readiness: the database does not answer (%s)", type(exc).__name__)
        return f"database: {type(exc).__name__}"
    return None


def redis_check(url: str) -> str | None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        where = urlsplit(url).hostname or "redis"
        logger.warning("Readiness: Redis at %s does not answer (%s)", where, type(exc).__name__)
        return f"redis: {type(exc).__name__}"
    return None


@csrf_exempt
@require_GET
@never_cache
def live(request):
    """200 while the process runs and can answer."""
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_GET
@never_cache
def ready(request):
    """200 when the database and (when configured) Redis answer; 503 with the reasons otherwise."""
    reasons = [r for r in [database_check(), *(redis_check(u) for u in redis_urls())] if r]
    if reasons:
        return JsonResponse({"status": "unavailable", "reasons": reasons}, status=503)
    return JsonResponse({"status": "ok"})
