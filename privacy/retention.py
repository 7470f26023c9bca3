"""`audit_events_purge`: API audit events are kept AUDIT_RETENTION_DAYS, then deleted (a
scheduled entry). Erasure events are kept: they hold no personal data and prove the erasure."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def audit_events_purge(*, now=None) -> int:
    """Delete the API audit events older than AUDIT_RETENTION_DAYS. Returns how many."""
    from units.models import ApiAuditEvent

    cutoff = (now or timezone.now()) - dt.timedelta(days=int(settings.AUDIT_RETENTION_DAYS))
    deleted, _ = ApiAuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
