from django.contrib import admin

from accounts.consent_admin import ConsentAdminMixin
from units.importing.admin import ImportUploadAdminMixin
from units.item_admin import ItemLedgerAdminMixin
from units.item_rows import fuzzy_date
from units.permissions import UnitScopedAdminMixin

from . import importers  # noqa: F401  (registers the employments import kind)
from .eligibility import employment_eligibility
from .forms import EmploymentsImportForm
from .models import Employment


@admin.register(Employment)
class EmploymentAdmin(UnitScopedAdminMixin, ConsentAdminMixin, ImportUploadAdminMixin, ItemLedgerAdminMixin,
                      admin.ModelAdmin):
    """HR's employments; a unit's staff see only their own unit's."""

    consent_kind = "employment"
    # The upload (/admin/employments/employment/import/): the importer framework's background job.
    import_kind = "employments"
    import_form_class = EmploymentsImportForm
    import_template = "employments/admin_import.html"
    import_title = "Import employments"
    eligibility_of = staticmethod(employment_eligibility)

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
        return fuzzy_date(obj.start_year, obj.start_month, obj.start_day)

    @admin.display(description="end")
    def end(self, obj):
        return fuzzy_date(obj.end_year, obj.end_month, obj.end_day)
