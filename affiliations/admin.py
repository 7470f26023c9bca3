"""Affiliations in the admin: filter by section, state and unit; a unit's staff see only
their own unit's (units.permissions.UnitScopedAdminMixin); "Sync selected now"."""

from __future__ import annotations

import copy
import json

from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from accounts.consent_admin import ConsentAdminMixin
from putcodes.admin import sync_selected_owners
from units.permissions import UnitScopedAdminMixin

from .eligibility import affiliation_eligibility
from .models import Affiliation
from .orcid_serialization import affiliation_to_json
from .selectors import item_dates


class ItemAdminMixin:
    """What the affiliation and funding admins share: the ledger's state and put-code, whether
    the item may be written, and the body ORCID receives."""

    to_json = staticmethod(lambda obj: {})
    eligibility_of = staticmethod(lambda obj: None)
    # ORCID's URLs are https; also what Django 6 will assume for a URL typed without a scheme.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="dates")
    def dates(self, obj):
        return item_dates(obj)

    @admin.display(description="ORCID state", ordering="orcid_item__state")
    def orcid_state(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.get_state_display() if item else "not written"

    @admin.display(description="put-code")
    def put_code(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.put_code if item and item.put_code else ""

    @admin.display(description="may be written")
    def eligibility(self, obj):
        result = self.eligibility_of(obj)
        return "yes" if result.eligible else "no: " + " ".join(result.reasons)

    @admin.display(description="What is written to ORCID (JSON)")
    def orcid_preview(self, obj):
        if not obj.pk:
            return "-"
        body = json.dumps(self.to_json(obj), indent=2, ensure_ascii=False)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", body)


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
    actions = [sync_selected_owners]

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
