"""The admin's upload of a kind's file, as a background job with a progress page.

A kind's ModelAdmin takes `ImportUploadAdminMixin` first and sets `import_kind`,
`import_form_class` (a form with `unit` and `file`, built with `units=`) and
`import_template` (which includes "units/admin_import_job.html"). Small files (up to
IMPORT_INLINE_MAX_BYTES) are imported during the request and their report comes back at once;
larger ones go to a job (units/importing/jobs.py) and the browser is sent to its page, which
refreshes until the report is there."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from units.models import ImportJob, Unit
from units.permissions import user_unit_ids

from .jobs import import_job_create, import_job_dispatch, import_job_run
from .reader import ImportFileError

RECENT_JOBS = 10
STALLED_AFTER = dt.timedelta(minutes=10)


def job_summary_sentence(job: ImportJob) -> str:
    """"Created 1, updated 0, unchanged 0, rejected 1." from a finished job's counts."""
    counts = job.counts or {}
    parts = [f"{name} {counts.get('rejected_count' if name == 'rejected' else name, 0)}"
             for name in counts.get("summary_fields", ())]
    return (", ".join(parts).capitalize() + ".") if parts else ""


class ImportUploadAdminMixin:
    import_kind = ""
    import_form_class = None
    import_template = ""
    import_title = "Import"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        custom = [
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            path("import/<int:job_id>/", self.admin_site.admin_view(self.import_job_view),
                 name="%s_%s_import_job" % info),
        ]
        return custom + super().get_urls()

    def import_units(self, request):
        ids = user_unit_ids(request.user)
        return Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)

    def import_job_options(self, cleaned_data: dict) -> dict:
        """The job's ImportOptions (as a dict) from the form: a kind's admin overrides it."""
        return {}

    def _import_allowed(self, request) -> None:
        if not self.has_add_permission(request) and not self.has_change_permission(request):
            raise PermissionDenied

    def import_view(self, request):
        """Upload a file into one of the staff member's units: imported at once when small,
        else as a background job whose page follows it."""
        self._import_allowed(request)
        units = self.import_units(request)
        form = self.import_form_class(request.POST or None, request.FILES or None, units=units)
        if request.method == "POST" and form.is_valid():
            unit, upload = form.cleaned_data["unit"], form.cleaned_data["file"]
            try:
                job = import_job_create(kind=self.import_kind, unit=unit, upload=upload,
                                        options=self.import_job_options(form.cleaned_data), by=request.user)
            except ImportFileError as exc:
                messages.error(request, f"{upload.name}: {exc}")
            else:
                if upload.size > settings.IMPORT_INLINE_MAX_BYTES:
                    import_job_dispatch(job=job)
                    info = self.model._meta.app_label, self.model._meta.model_name
                    return redirect(reverse("admin:%s_%s_import_job" % info, args=[job.pk]))
                import_job_run(job=job)
                self._job_message(request, job)
                return self._import_render(request, self.import_form_class(units=units), job)
        return self._import_render(request, form, None)

    def import_job_view(self, request, job_id: int):
        """A job's page: its progress while it runs (the page refreshes), then its report."""
        self._import_allowed(request)
        job = get_object_or_404(ImportJob.objects.select_related("unit"), pk=job_id, kind=self.import_kind)
        ids = user_unit_ids(request.user)
        if ids is not None and job.unit_id not in ids:
            raise PermissionDenied
        return self._import_render(request, self.import_form_class(units=self.import_units(request)), job)

    def _job_message(self, request, job: ImportJob) -> None:
        if job.state == ImportJob.State.FAILED:
            messages.error(request, job.error)
            return
        counts = job.counts or {}
        level = messages.WARNING if counts.get("rejected_count") or counts.get("prune_refused") else messages.SUCCESS
        messages.add_message(request, level, f"{job.file_name} into {job.unit.code}: {counts.get('summary', '')}")
        if counts.get("prune_refused"):
            messages.warning(request, counts["prune_refused"])

    def _import_render(self, request, form, job: ImportJob | None):
        info = self.model._meta.app_label, self.model._meta.model_name
        units = self.import_units(request)
        running = job is not None and job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING)
        # A job whose process died (a restart during a thread's import) stops moving: say so.
        stalled = running and job.updated_at < timezone.now() - STALLED_AFTER
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": self.import_title,
            "form": form,
            "job": job,
            "refresh": running and not stalled,
            "stalled": stalled,
            "summary_sentence": job_summary_sentence(job) if job is not None else "",
            "errors": job.rejected if job is not None else [],
            "recent_jobs": ImportJob.objects.filter(kind=self.import_kind, unit__in=units)
            .select_related("unit")[:RECENT_JOBS],
            "job_url_name": "admin:%s_%s_import_job" % info,
            "changelist_url": reverse("admin:%s_%s_changelist" % info),
        }
        return TemplateResponse(request, self.import_template, context)
