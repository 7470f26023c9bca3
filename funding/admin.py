"""Funding in the admin: filter by state, type and unit; a unit's staff see only their own
unit's (units.permissions.UnitScopedAdminMixin); "Sync selected now"; the upload of a file
(the same import as `manage.py import_funding`)."""

from __future__ import annotations

from django.contrib import admin

from accounts.consent_admin import ConsentAdminMixin
from units.importing.admin import ImportUploadAdminMixin
from units.item_admin import ItemAdminMixin
from units.permissions import UnitScopedAdminMixin

from .eligibility import funding_eligibility
from .forms import FundingImportForm
from .models import Funding
from .orcid_serialization import funding_to_json


@admin.register(Funding)
class FundingAdmin(UnitScopedAdminMixin, ConsentAdminMixin, ImportUploadAdminMixin, ItemAdminMixin, admin.ModelAdmin):
    consent_kind = "funding"
    import_kind = "funding"
    import_form_class = FundingImportForm
    import_template = "funding/admin_import.html"
    import_title = "Import funding"
    change_list_template = "funding/admin_change_list.html"
    to_json = staticmethod(funding_to_json)
    eligibility_of = staticmethod(funding_eligibility)
    # Fits 1280 px (issue 14): amount with its currency, the unit by its code; removal is a filter.
    list_display = ("local_id", "title", "researcher", "unit_code", "funding_type", "funder_name", "grant_number",
                    "amount_display", "dates", "approved", "orcid_state", "put_code")
    list_filter = ("orcid_item__state", "funding_type", "unit", ("removed_at", admin.EmptyFieldListFilter),
                   "approved", "role")
    search_fields = ("local_id", "title", "researcher__username", "grant_number", "funder_name",
                     "funder_identifier", "orcid_item__put_code")
    raw_id_fields = ("researcher",)
    list_select_related = ("unit", "researcher", "orcid_item")
    readonly_fields = ("eligibility", "orcid_state", "put_code", "created_at", "updated_at", "orcid_preview")
    actions = ["sync_selected_owners"]  # the sync's site-wide action (putcodes.admin), by name

    @admin.display(description="Unit", ordering="unit__code")
    def unit_code(self, obj):
        return obj.unit.code

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return f"{obj.amount} {obj.currency}".strip() if obj.amount is not None else ""
