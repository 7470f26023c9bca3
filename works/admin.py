"""Works in the admin: search by identifier, filter by state, and upload a unit's file (the
same import as `manage.py import_works`)."""

from __future__ import annotations

from django.contrib import admin

from accounts.consent_admin import ConsentAdminMixin
from units.importing.admin import ImportUploadAdminMixin
from units.permissions import UnitScopedAdminMixin

from . import importers  # noqa: F401  (registers the works import kind)
from .forms import WorksImportForm
from .models import Work
from .orcid_serialization import work_to_json


@admin.register(Work)
class WorkAdmin(UnitScopedAdminMixin, ConsentAdminMixin, ImportUploadAdminMixin, admin.ModelAdmin):
    consent_kind = "work"
    # The upload (/admin/works/work/import/): the importer framework's background job.
    import_kind = "works"
    import_form_class = WorksImportForm
    import_template = "works/admin_import.html"
    import_title = "Import works"
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
