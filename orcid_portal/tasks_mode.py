"""Whether Celery tasks run in this process (no broker: CELERY_TASK_ALWAYS_EAGER) or are queued
for workers. The one place that says it: the sync's fan-out and the webhooks' reconciles ask here."""

from django.conf import settings


def tasks_run_in_process() -> bool:
    """True without a broker (CELERY_TASK_ALWAYS_EAGER): what would be a task runs here and now."""
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)
