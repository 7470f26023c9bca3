"""`/metrics` in Prometheus' text format (CONTRACT §2 METRICS_TOKEN, §5), with the official
`prometheus-client`.

Two kinds of figures:
- what this process saw happen (ORCID calls by method, endpoint pattern and status, retries,
  rate-limit waits): counters fed by `orcid_client.observers`. With PROMETHEUS_MULTIPROC_DIR
  set (gunicorn's workers, Celery's worker processes; docs/DEPLOYMENT.md), every process
  writes its counters to files there and a scrape adds them all up; without it, the
  process's own registry answers;
- what the database holds (items by kind and state, sync runs and their durations,
  connections by status, invitations by status, open incidents): read at scrape time with a
  few aggregate queries (`DatabaseCollector`), so every web process answers the same.

https://prometheus.github.io/client_python/multiprocess/
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket

from django.conf import settings
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

logger = logging.getLogger(__name__)

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Files named by host and process id, not the process id alone: containers on one shared
    # volume (docs/deploy/compose.yaml) have the same small pids. Set before any metric exists.
    from prometheus_client import values

    values.ValueClass = values.MultiProcessValue(process_identifier=lambda: f"{socket.gethostname()}-{os.getpid()}")

ORCID_CALLS = Counter(
    "orcid_portal_orcid_calls",
    "HTTP attempts made to ORCID, by method, endpoint pattern and status (or the exception when no answer came).",
    ["method", "endpoint", "status"],
)
ORCID_CALL_SECONDS = Histogram(
    "orcid_portal_orcid_call_duration_seconds",
    "Time ORCID took to answer one attempt.",
    ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ORCID_RETRIES = Counter(
    "orcid_portal_orcid_retries", "Attempts made again after ORCID failed or was unreachable.", ["method", "endpoint"]
)
ORCID_RATE_LIMIT_WAIT = Counter(
    "orcid_portal_orcid_rate_limit_wait_seconds", "Seconds spent waiting for the shared client-side rate limiter."
)


class _CallsObserver:
    """Feeds the counters above from `orcid_client.observers`."""

    def call(self, method: str, endpoint: str, status, seconds: float) -> None:
        ORCID_CALLS.labels(method, endpoint, str(status)).inc()
        ORCID_CALL_SECONDS.labels(method).observe(seconds)

    def retry(self, method: str, endpoint: str) -> None:
        ORCID_RETRIES.labels(method, endpoint).inc()

    def rate_limit_wait(self, seconds: float) -> None:
        ORCID_RATE_LIMIT_WAIT.inc(seconds)


ORCID_CALLS_OBSERVER = _CallsObserver()


# ---------------------------------------------------------------------------------------------
# Figures read from the database at scrape time
# ---------------------------------------------------------------------------------------------
def _optional_model(app_label: str, name: str):
    """A model of an app that may not be installed (invitations): None when it is not."""
    from django.apps import apps

    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _counts(model_or_queryset, field: str, *others: str):
    from django.db.models import Count

    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return queryset.order_by().values(*others, field).annotate(n=Count("pk"))


class DatabaseCollector:
    """Items, sync runs, connections, invitations and incidents, as the database holds them now."""

    def collect(self):
        yield from self._items()
        yield from self._runs()
        yield from self._by_status("connections", "orcid_portal_connections", "ORCID connections by status.")
        yield from self._by_status("invitations", "orcid_portal_invitations", "Invitations by status.")
        yield from self._incidents()

    def _items(self):
        from putcodes.models import OrcidItem

        family = GaugeMetricFamily("orcid_portal_items", "Ledger items by kind and state.", labels=["kind", "state"])
        for row in _counts(OrcidItem, "state", "kind"):
            family.add_metric([row["kind"], row["state"]], row["n"])
        yield family

    def _runs(self):
        from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Sum

        from putcodes.models import SyncRun

        runs = CounterMetricFamily("orcid_portal_sync_runs", "Sync runs by status.", labels=["status"])
        for row in _counts(SyncRun, "status"):
            runs.add_metric([row["status"]], row["n"])
        yield runs
        done = SyncRun.objects.filter(finished_at__isnull=False)
        took = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
        figures = done.aggregate(
            seconds=Sum(took), count=Count("pk"), last=Max("finished_at"),
            **{name: Sum(name) for name in ("created", "updated", "deleted", "unchanged", "skipped", "failed")},
        )
        seconds = figures["seconds"].total_seconds() if figures["seconds"] is not None else 0.0
        yield SummaryMetricFamily(
            "orcid_portal_sync_run_duration_seconds", "Durations of the finished sync runs.",
            count_value=figures["count"] or 0, sum_value=seconds,
        )
        items = CounterMetricFamily(
            "orcid_portal_sync_items", "Items handled by finished sync runs, by outcome.", labels=["outcome"]
        )
        for outcome in ("created", "updated", "deleted", "unchanged", "skipped", "failed"):
            items.add_metric([outcome], figures[outcome] or 0)
        yield items
        last = GaugeMetricFamily(
            "orcid_portal_sync_last_finished_timestamp_seconds", "When the latest sync run ended (Unix time)."
        )
        last.add_metric([], figures["last"].timestamp() if figures["last"] else 0)
        yield last

    def _by_status(self, app_label: str, name: str, documentation: str):
        model = _optional_model(app_label, {"connections": "OrcidConnection", "invitations": "Invitation"}[app_label])
        if model is None:
            return
        family = GaugeMetricFamily(name, documentation, labels=["status"])
        for row in _counts(model, "status"):
            family.add_metric([row["status"]], row["n"])
        yield family

    def _incidents(self):
        from .models import Incident

        family = GaugeMetricFamily("orcid_portal_incidents_open", "Open incidents by kind.", labels=["kind"])
        for row in _counts(Incident.objects.filter(closed_at__isnull=True), "kind"):
            family.add_metric([row["kind"]], row["n"])
        yield family


def metrics_text() -> bytes:
    """Everything `/metrics` answers."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return generate_latest(processes) + generate_latest(database)


def _allowed(request) -> bool:
    """METRICS_TOKEN as a bearer token when set; else only a scraper on this machine."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        return scheme.lower() == "bearer" and constant_time_compare(given.strip(), token)
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False  # relayed by a proxy on this machine: from anywhere, not from this machine
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@csrf_exempt
@require_GET
@never_cache
def metrics_view(request):
    if not _allowed(request):
        return HttpResponse("Forbidden: /metrics needs the METRICS_TOKEN bearer token.\n", status=403,
                            content_type="text/plain")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
