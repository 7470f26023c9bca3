"""Affiliations in the admin: filter by section, state and unit; a unit's staff see only
their own unit's (units.permissions.UnitScopedAdminMixin); "Sync selected now". The columns
shared with funding come from units/item_admin.py (`ItemAdminMixin`, re-exported here)."""

from __future__ import annotations

import copy

from django.contrib import admin

from accounts.consent_admin import ConsentAdminMixin
from units.item_admin import ItemAdminMixin
from units.permissions import UnitScopedAdminMixin

from .eligibility import affiliation_eligibility
from .models import Affiliation
from .orcid_serialization import affiliation_to_json

__all__ = ["AffiliationAdmin", "ItemAdminMixin"]


@admin.register(Affiliation)
class AffiliationAdmin(UnitScopedAdminMixin, ConsentAdminMixin, ItemAdminMixin, admin.ModelAdmin):
    consent_kind = "education"  # per object: see approval_history
    to_json = staticmethod(affiliation_to_json)
    eligibility_of = staticmethod(affiliation_eligibility)
    list_display = ("local_id", "section", "researcher", "unit", "role_title", "org_name", "dates", "approved",
                    "orcid_state", "put_code", "removed_at")
    list_filter = ("section", "orcid_item__state", "unit", ("removed_at", admin.EmptyFieldListFilter), "approved",
                   "org_source")
    search_fields = ("local_id", "researcher__username", "department", "role_title", "org_name", "org_identifier",
                     "orcid_item__put_code")
    raw_id_fields = ("researcher",)
    list_select_related = ("unit", "researcher", "orcid_item")
    readonly_fields = ("eligibility", "orcid_state", "put_code", "ended_at", "created_at", "updated_at",
                       "orcid_preview")
    actions = ["sync_selected_owners"]  # the sync's site-wide action (putcodes.admin), by name

    @admin.display(description="Approval history")
    def approval_history(self, obj):
        # Choices are recorded under the affiliation's section (its ledger kind); a copy of
        # the admin for this object, so the shared admin instance is never changed.
        if obj is None or not obj.pk:
            return "-"
        return super(AffiliationAdmin, self._for_section(obj)).approval_history(obj)

    def save_model(self, request, obj, form, change):
        # A researcher moved in the admin clears the choice, recorded under the section.
        super(AffiliationAdmin, self._for_section(obj)).save_model(request, obj, form, change)

    def _for_section(self, obj):
        view = copy.copy(self)
        view.consent_kind = obj.section
        return view
