"""Alerts without Prometheus: ADMINS get one email per incident, not one per item or per run.

Three things open an incident (`operations.models.Incident`):
- a sync run that could not proceed (`SyncRun.Status.FAILED`);
- a finished run whose share of failed items is above ALERT_FAILED_ITEMS_SHARE (with at least
  ALERT_FAILED_ITEMS_MIN failed items);
- ORCID answering 5xx, or not answering, for ALERT_ORCID_OUTAGE_SECONDS without one success
  in between (seen by every process through the shared cache).

The incident stays open, and nobody is emailed again, until things are well: a later full run
without the failure closes the sync ones; ORCID's next success closes the outage.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Incident

logger = logging.getLogger(__name__)

Kind = Incident.Kind


# ---------------------------------------------------------------------------------------------
# The incident state machine: open -> closed. Only these two functions assign `status`.
# ---------------------------------------------------------------------------------------------
def incident_open(*, kind: str, summary: str, details: str = "") -> Incident | None:
    """Open an incident of `kind` and email ADMINS once. When one of that kind is already open,
    count the occurrence and return None (no email)."""
    try:
        with transaction.atomic():
            incident = Incident.objects.create(kind=kind, status=Incident.Status.OPEN, summary=summary[:300],
                                               details=details)
    except IntegrityError:  # already open (maybe opened by another process just now)
        Incident.objects.filter(kind=kind, status=Incident.Status.OPEN).update(occurrences=F("occurrences") + 1)
        return None
    logger.error("Incident opened: %s: %s", kind, summary)
    try:
        mail_admins(f"[ORCID portal] {summary}", _email_body(incident), fail_silently=False)
    except Exception:  # a mail server down must not stop a sync; the incident is in the admin
        logger.exception("Could not email ADMINS about incident %s", incident.pk)
    else:
        Incident.objects.filter(pk=incident.pk).update(notified_at=timezone.now())
    return incident


def incident_close(*, kind: str) -> bool:
    """Close the open incident of `kind`, if there is one. True when one was closed."""
    closed = Incident.objects.filter(kind=kind, status=Incident.Status.OPEN).update(
        status=Incident.Status.CLOSED, closed_at=timezone.now()
    )
    if closed:
        logger.warning("Incident closed: %s", kind)
    return bool(closed)


def _email_body(incident: Incident) -> str:
    return (
        f"{incident.summary}\n\n{incident.details}\n\n"
        "You are told once; the incident stays open (admin: Operations > Incidents) until the portal sees "
        f"things well again.\n{settings.PORTAL_BASE_URL}/admin/operations/incident/{incident.pk}/change/\n"
    )


# ---------------------------------------------------------------------------------------------
# Sync runs (the `putcodes.signals.sync_run_finished` signal)
# ---------------------------------------------------------------------------------------------
def failed_share(*, failed: int, handled: int) -> float:
    return failed / handled if handled else 0.0


def sync_run_assess(*, run) -> None:
    """Open or close the sync incidents after `run` ended."""
    from putcodes.models import SyncRun

    whole = run.researcher_id is None  # one researcher's "sync now" may open, never close
    if run.status == SyncRun.Status.FAILED:
        incident_open(kind=Kind.SYNC_RUN_FAILED, summary=f"Sync run {run.pk} could not proceed",
                      details=f"{run}\n{run.note}")
    elif whole:
        incident_close(kind=Kind.SYNC_RUN_FAILED)
    handled = run.created + run.updated + run.deleted + run.unchanged + run.failed
    share = failed_share(failed=run.failed, handled=handled)
    if run.failed >= settings.ALERT_FAILED_ITEMS_MIN and share > settings.ALERT_FAILED_ITEMS_SHARE:
        incident_open(
            kind=Kind.SYNC_ITEMS_FAILED,
            summary=f"Sync run {run.pk}: {run.failed} of {handled} items failed ({share:.0%})",
            details=f"{run}\n{run.summary_line()}\nThe run's errors are listed in the admin (Sync runs).",
        )
    elif whole and run.status == SyncRun.Status.FINISHED:
        incident_close(kind=Kind.SYNC_ITEMS_FAILED)


def _on_sync_run_finished(sender, run, **kwargs) -> None:
    try:
        sync_run_assess(run=run)
    except Exception:  # alerting must never fail the run it reports on
        logger.exception("Could not assess sync run %s for alerts", getattr(run, "pk", None))


def connect_signals() -> None:
    from putcodes import signals

    finished = getattr(signals, "sync_run_finished", None)
    if finished is not None:
        finished.connect(_on_sync_run_finished, dispatch_uid="operations.alerts.sync_run_finished")


# ---------------------------------------------------------------------------------------------
# ORCID unavailable (an `orcid_client.observers` observer)
# ---------------------------------------------------------------------------------------------
FAILING_SINCE_KEY = "operations:orcid-failing-since"
INCIDENT_OPEN_KEY = "operations:orcid-incident-open"


class _OrcidOutageObserver:
    """Tracks, in the shared cache, since when ORCID has answered nothing but 5xx or nothing."""

    def call(self, method: str, endpoint: str, status, seconds: float) -> None:
        failing = not isinstance(status, int) or status >= 500
        try:
            if failing:
                self._failing()
            elif cache.get_many([FAILING_SINCE_KEY, INCIDENT_OPEN_KEY]):  # one round trip per call
                cache.delete_many([FAILING_SINCE_KEY, INCIDENT_OPEN_KEY])
                incident_close(kind=Kind.ORCID_UNAVAILABLE)
        except Exception as exc:  # the cache (Redis) down: no outage tracking, never a failed call
            logger.debug("ORCID outage tracking skipped: %s", type(exc).__name__)

    def _failing(self) -> None:
        now = time.time()
        cache.add(FAILING_SINCE_KEY, now, timeout=None)
        since = cache.get(FAILING_SINCE_KEY) or now
        if now - since >= settings.ALERT_ORCID_OUTAGE_SECONDS and cache.add(INCIDENT_OPEN_KEY, True, timeout=None):
            minutes = max(1, round((now - since) / 60))
            incident_open(
                kind=Kind.ORCID_UNAVAILABLE,
                summary=f"ORCID has answered only errors (5xx) or nothing for {minutes} minutes",
                details=f"ORCID's API: {settings.ORCID_API_URL}. Writes wait and are retried by the next runs.",
            )

    def retry(self, method: str, endpoint: str) -> None:
        pass

    def rate_limit_wait(self, seconds: float) -> None:
        pass


ORCID_OUTAGE_OBSERVER = _OrcidOutageObserver()
