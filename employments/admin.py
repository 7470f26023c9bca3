from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.consent_admin import ConsentAdminMixin
from units.models import Unit
from units.permissions import UnitScopedAdminMixin, user_unit_ids

from .eligibility import employment_eligibility
from .forms import EmploymentsImportForm
from .models import Employment
from .importers import COLUMNS, EMPLOYMENTS, employments_import

MAX_SHOWN_ERRORS = 500


def _fuzzy(year, month, day) -> str:
    if not year:
        return ""
    return "-".join([f"{year:04d}"] + [f"{part:02d}" for part in (month, day) if part])


@admin.register(Employment)
class EmploymentAdmin(UnitScopedAdminMixin, ConsentAdminMixin, admin.ModelAdmin):
    consent_kind = "employment"
    """HR's employments; a unit's staff see only their own unit's."""

    list_display = ("local_id", "researcher", "unit", "role_title", "department", "start", "end",
                    "approved", "orcid_state", "put_code", "removed_at")
    list_filter = ("unit", ("removed_at", admin.EmptyFieldListFilter), "approved", "orcid_item__state")
    search_fields = ("local_id", "researcher__username", "department", "role_title", "orcid_item__put_code")
    raw_id_fields = ("researcher",)
    list_select_related = ("unit", "researcher", "orcid_item")
    readonly_fields = ("eligibility", "orcid_state", "put_code", "created_at", "updated_at")
    change_list_template = "employments/admin_change_list.html"

    def get_urls(self):
        custom = [path("import/", self.admin_site.admin_view(self.import_view), name="employments_employment_import")]
        return custom + super().get_urls()

    def import_view(self, request):
        """Upload HR's file into one of the staff member's units; shows the report."""
        if not self.has_add_permission(request) and not self.has_change_permission(request):
            raise PermissionDenied
        ids = user_unit_ids(request.user)
        units = Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)
        form = EmploymentsImportForm(request.POST or None, request.FILES or None, units=units)
        report = None
        if request.method == "POST" and form.is_valid():
            unit, upload = form.cleaned_data["unit"], form.cleaned_data["file"]
            try:
                report = employments_import(
                    unit=unit,
                    stream=upload.file,
                    prune=not form.cleaned_data["partial"],
                    allow_mass_removal=form.cleaned_data["allow_mass_removal"],
                )
            except ValidationError as error:
                messages.error(request, f"{upload.name}: {' '.join(error.messages)}")
            else:
                level = messages.WARNING if report.rejected or report.prune_refused else messages.SUCCESS
                summary = report.summary(EMPLOYMENTS.summary_fields)
                messages.add_message(request, level, f"{upload.name} into {unit.code}: {summary}")
                if report.prune_refused:
                    messages.warning(request, report.prune_refused)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import employments",
            "form": form,
            "report": report,
            "columns": ", ".join(COLUMNS),
            "errors": report.rejected[:MAX_SHOWN_ERRORS] if report else [],
            "changelist_url": reverse("admin:employments_employment_changelist"),
        }
        return TemplateResponse(request, "employments/admin_import.html", context)

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
