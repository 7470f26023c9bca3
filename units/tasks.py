"""Celery tasks of units: the admin's background imports."""

from __future__ import annotations

from celery import shared_task

IMPORT_JOB_TASK = "units.import_job"


# A large file takes minutes (about 3,500 rows/s): the default 10-minute limit is the sync's,
# too short for a million rows; an hour means something hangs.
@shared_task(name=IMPORT_JOB_TASK, acks_late=True, ignore_result=True, soft_time_limit=3600, time_limit=3660)
def import_job_task(job_id: int) -> None:
    from units.importing.jobs import import_job_run
    from units.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    import_job_run(job=job)
