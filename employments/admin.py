from django.contrib import admin

from accounts.consent_admin import ConsentAdminMixin
from units.importing.admin import ImportUploadAdminMixin
from units.permissions import UnitScopedAdminMixin

from . import importers  # noqa: F401  (registers the employments import kind)
from .eligibility import employment_eligibility
from .forms import EmploymentsImportForm
from .models import Employment


def _fuzzy(year, month, day) -> str:
    if not year:
        return ""
    return "-".join([f"{year:04d}"] + [f"{part:02d}" for part in (month, day) if part])


@admin.register(Employment)
class EmploymentAdmin(UnitScopedAdminMixin, ConsentAdminMixin, ImportUploadAdminMixin, admin.ModelAdmin):
    """HR's employments; a unit's staff see only their own unit's."""

    consent_kind = "employment"
    # The upload (/admin/employments/employment/import/): the importer framework's background job.
    import_kind = "employments"
    import_form_class = EmploymentsImportForm
    import_template = "employments/admin_import.html"
    import_title = "Import employments"

    list_display = ("local_id", "researcher", "unit", "role_title", "department", "start", "end",
                    "approved", "orcid_state", "put_code", "removed_at")
    list_filter = ("unit", ("removed_at", admin.EmptyFieldListFilter), "approved", "orcid_item__state")
    search_fields = ("local_id", "researcher__username", "department", "role_title", "orcid_item__put_code")
    raw_id_fields = ("researcher",)
    list_select_related = ("unit", "researcher", "orcid_item")
    readonly_fields = ("eligibility", "orcid_state", "put_code", "created_at", "updated_at")
    change_list_template = "employments/admin_change_list.html"

    def import_job_options(self, cleaned_data: dict) -> dict:
        return {"snapshot": not cleaned_data["partial"], "delete_missing": cleaned_data["delete_missing"],
                "allow_mass_removal": cleaned_data["allow_mass_removal"]}

    @admin.display(description="start")
    def start(self, obj):
        return _fuzzy(obj.start_year, obj.start_month, obj.start_day)

    @admin.display(description="end")
    def end(self, obj):
        return _fuzzy(obj.end_year, obj.end_month, obj.end_day)

    @admin.display(description="ORCID state")
    def orcid_state(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.get_state_display() if item else "not written"

    @admin.display(description="put-code")
    def put_code(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.put_code if item and item.put_code else ""

    @admin.display(description="may be written")
    def eligibility(self, obj):
        result = employment_eligibility(obj)
        return "yes" if result.eligible else "no: " + " ".join(result.reasons)
