"""The Celery app. Settings come from Django's settings, `CELERY_`-prefixed.

With no CELERY_BROKER_URL (the embedded default) tasks run eagerly, in-process.

When the broker (Redis) cannot be reached, a task that would be queued runs in the calling
process instead (`PortalTask.apply_async`): a researcher's "sync now", a webhook's reconcile
or registration then still happen, later for the caller but without an error page, and the
readiness probe (/health/ready) reports the broker down to the operator.
"""

from __future__ import annotations

import logging
import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")

logger = logging.getLogger(__name__)


def _broker_unreachable(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError

    return isinstance(exc, (OperationalError, ConnectionError, TimeoutError))


class PortalTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        try:
            return super().apply_async(args=args, kwargs=kwargs, **options)
        except Exception as exc:
            if self.app.conf.task_always_eager or not _broker_unreachable(exc):
                raise
            logger.warning("The Celery broker is unreachable (%s): running %s in this process",
                           type(exc).__name__, self.name)
            return self.apply(args=args, kwargs=kwargs)


app = Celery("orcid_portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
