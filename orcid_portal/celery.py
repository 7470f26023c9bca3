"""The Celery app. Settings come from Django's settings, `CELERY_`-prefixed.

With no CELERY_BROKER_URL (the embedded default) tasks run eagerly, in-process.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")

app = Celery("orcid_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
