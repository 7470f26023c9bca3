"""Imports as background jobs (the admin's upload): the file is stored with an `ImportJob`,
imported by a Celery task when there is a broker, or in a thread of this process when there
is none (CELERY_TASK_ALWAYS_EAGER, as the sync decides), and the job keeps its progress and
its report for the page that follows it. No file's size can time out a web worker.

The job's state changes only here: queued → running → done | failed (`import_job_start`,
`import_job_finish`, `import_job_fail`)."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, transaction
from django.db.models import F
from django.utils import timezone

from orcid_portal.tasks_mode import tasks_run_in_process
from units.models import ImportJob

from .engine import ImportOptions, import_stream
from .kinds import ImportKind, kind_get
from .limits import ImportLimits
from .reader import ImportFileError, file_check, file_format
from .report import ImportReport

logger = logging.getLogger(__name__)

SHOWN_REJECTED = 500  # rejected rows kept on the job for its page; the report text has them all
REPORT_MAX_LINES = 10_000


def import_job_create(*, kind: str, unit, upload, options: dict | None = None, by=None) -> ImportJob:
    """Store `upload` (a Django UploadedFile) under MEDIA_ROOT with a queued job. Raises
    ImportFileError when the kind does not take the file's format."""
    kind_obj = kind_get(kind)
    fmt = file_format(upload.name)
    if fmt not in kind_obj.formats:
        raise ImportFileError(f"{kind_obj.label} are imported from {' or '.join(kind_obj.formats)} files")
    job = ImportJob(unit=unit, kind=kind, file_name=upload.name[:255], options=options or {}, created_by=by)
    job.file.save(upload.name, upload, save=False)
    job.save()
    return job


def import_jobs_in_process() -> bool:
    """Whether jobs run in this process (no broker), as tasks do (settings.CELERY_TASK_ALWAYS_EAGER)."""
    return tasks_run_in_process()


def import_job_dispatch(*, job: ImportJob) -> None:
    """Run the job once the current transaction commits: a Celery task with a broker, a thread
    of this process without one."""
    if import_jobs_in_process():
        transaction.on_commit(lambda: _thread_start(job.pk))
    else:
        from units.tasks import import_job_task

        transaction.on_commit(lambda: import_job_task.delay(job.pk))


def _thread_start(job_id: int) -> threading.Thread:
    thread = threading.Thread(target=_thread_run, args=(job_id,), name=f"import-job-{job_id}", daemon=True)
    thread.start()
    return thread


def _thread_run(job_id: int) -> None:
    try:
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is not None:
            import_job_run(job=job)
    except Exception:  # a thread has nobody to raise to: the job says it failed
        logger.exception("import job %s failed", job_id)
    finally:
        close_old_connections()


# --------------------------------------------------------------------------------------------
# Transitions
# --------------------------------------------------------------------------------------------
def import_job_start(*, job: ImportJob, rows_total: int | None) -> bool:
    """queued → running (a redelivered task may start a running job again: the import is an
    idempotent upsert). False when the job has already ended."""
    updated = ImportJob.objects.filter(pk=job.pk, state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now(), rows_total=rows_total, rows_done=0,
        updated_at=timezone.now())
    job.refresh_from_db()
    return bool(updated)


def import_job_progress(*, job: ImportJob, rows: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(rows_done=F("rows_done") + rows, updated_at=timezone.now())


def import_job_finish(*, job: ImportJob, report: ImportReport, kind: ImportKind) -> None:
    """running → done, with the counts, the first rejected rows and the report text."""
    job.state = ImportJob.State.DONE
    job.counts = {name: getattr(report, name) for name in
                  ("created", "updated", "unchanged", "restored", "ended", "removed", "rejected_count",
                   "researchers_created")}
    job.counts.update(summary=report.summary(kind.summary_fields), prune_refused=report.prune_refused,
                      summary_fields=list(kind.summary_fields))
    job.rejected = [{"where": o.where, "line": o.number, "local_id": o.local_id, "reason": o.reason}
                    for o in report.rejected[:SHOWN_REJECTED]]
    job.report = _report_text(report, kind)
    job.finished_at = timezone.now()
    _file_forget(job)
    job.save(update_fields=["state", "counts", "rejected", "report", "finished_at", "file", "updated_at"])


def import_job_fail(*, job: ImportJob, error: str) -> None:
    """queued or running → failed, saying why (the file refused whole, or what went wrong)."""
    job.state, job.error, job.finished_at = ImportJob.State.FAILED, error, timezone.now()
    _file_forget(job)
    job.save(update_fields=["state", "error", "finished_at", "file", "updated_at"])


def _file_forget(job: ImportJob) -> None:
    # The upload holds people's data: no copy is kept once it is imported (the report stays).
    if job.file:
        job.file.delete(save=False)


def _report_text(report: ImportReport, kind: ImportKind) -> str:
    lines = [kind.report_line(outcome) for outcome in report.rejected[:REPORT_MAX_LINES]]
    if report.rejected_count > len(lines):
        lines.append(f"... and {report.rejected_count - len(lines)} more rejected rows")
    for label, ids in (("ended", report.ended_local_ids), ("removed", report.removed_local_ids)):
        if ids:
            lines.append(f"{label} (no longer in the file): {', '.join(ids[:1000])}")
    if report.prune_refused:
        lines.append(report.prune_refused)
    lines.append(report.summary(kind.summary_fields))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------------
def import_job_run(*, job: ImportJob) -> ImportJob:
    """Import the job's file (the pre-pass first, then batch by batch, counting progress);
    the job ends done with its report, or failed with the reason. Returns the job."""
    kind = kind_get(job.kind)
    limits = ImportLimits.from_settings()
    try:
        with job.file.open("rb") as opened:
            stream = getattr(opened, "file", opened)  # the storage's own file object
            fmt = file_format(job.file_name)
            rows_total = file_check(stream, fmt=fmt, limits=limits)
            if not import_job_start(job=job, rows_total=rows_total):
                return job
            report = import_stream(kind=kind, unit=job.unit, stream=stream, fmt=fmt,
                                   options=ImportOptions(**job.options), limits=limits, checked=True,
                                   progress=lambda rows: import_job_progress(job=job, rows=rows))
    except ImportFileError as exc:
        import_job_fail(job=job, error=f"{job.file_name}: {exc}")
        return job
    except Exception as exc:
        import_job_fail(job=job, error=f"The import stopped on an unexpected error ({type(exc).__name__}); the rows "
                                       "before it were imported. Ask the portal's operators to look at the log.")
        raise
    import_job_finish(job=job, report=report, kind=kind)
    return job
