"""Works in the admin: search by identifier, filter by state, and upload a unit's file (the
same import as `manage.py import_works`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.consent_admin import ConsentAdminMixin
from units.importing import import_stream
from units.models import Unit
from units.permissions import UnitScopedAdminMixin, user_unit_ids

from .forms import WorksImportForm
from .importers import WORKS, ImportFileError, file_format
from .models import Work
from .orcid_serialization import work_to_json

# Rejected rows shown on the result page; the count covers all of them.
MAX_SHOWN_ERRORS = 500


@admin.register(Work)
class WorkAdmin(UnitScopedAdminMixin, ConsentAdminMixin, admin.ModelAdmin):
    consent_kind = "work"
    list_display = ("title_short", "researcher", "unit", "work_type", "publication_year", "public", "approved",
                    "has_self_id", "updated_at")
    list_filter = ("unit", "public", "approved", "has_self_id", "work_type")
    search_fields = ("title", "local_id", "identifiers_text", "researcher__username")
    list_select_related = ("unit", "researcher")
    raw_id_fields = ("researcher",)
    readonly_fields = ("has_self_id", "identifiers_text", "approved_at", "approved_by", "created_at", "updated_at",
                       "orcid_preview")
    date_hierarchy = "created_at"
    change_list_template = "works/admin_change_list.html"
    actions = ["sync_selected_owners"]  # the sync's site-wide action (putcodes.admin), by name

    @admin.display(description="title", ordering="title")
    def title_short(self, obj: Work) -> str:
        return obj.title[:100]

    @admin.display(description="What is written to ORCID (JSON)")
    def orcid_preview(self, obj: Work):
        from django.utils.html import format_html
        import json

        if not obj.pk:
            return "-"
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(work_to_json(obj), indent=2,
                                                                                       ensure_ascii=False))

    def get_urls(self):
        custom = [path("import/", self.admin_site.admin_view(self.import_view), name="works_work_import")]
        return custom + super().get_urls()

    def _import_units(self, request):
        ids = user_unit_ids(request.user)
        return Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)

    def import_view(self, request):
        """Upload a unit's works file; shows the summary and every rejected row."""
        if not self.has_add_permission(request) and not self.has_change_permission(request):
            raise PermissionDenied
        units = self._import_units(request)
        result = None
        form = WorksImportForm(request.POST or None, request.FILES or None, units=units)
        if request.method == "POST" and form.is_valid():
            unit = form.cleaned_data["unit"]
            upload = form.cleaned_data["file"]
            try:
                result = import_stream(kind=WORKS, unit=unit, stream=upload.file, fmt=file_format(upload.name))
            except ImportFileError as exc:
                messages.error(request, f"{upload.name}: {exc}")
            else:
                level = messages.SUCCESS if not result.rejected else messages.WARNING
                messages.add_message(request, level, f"{upload.name} into {unit.code}: {result.summary()}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import works",
            "form": form,
            "result": result,
            "errors": (result.errors[:MAX_SHOWN_ERRORS] if result else []),
            "changelist_url": reverse("admin:works_work_changelist"),
        }
        return TemplateResponse(request, "works/admin_import.html", context)
