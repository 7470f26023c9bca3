"""The admin's side of consent (issue 11): staff see a researcher's choices, never set them.

`ConsentAdminMixin` goes on the admin of every kind of item whose model has `researcher`,
`approved` (and `approved_at`): the choice fields are read-only for everyone, the change page
shows the approval history, and moving an item to another researcher clears the choice (the
new researcher has not chosen) and records that.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import ConsentEvent
from .services import consent_history, consent_record

CONSENT_FIELDS = ("approved", "approved_at", "approved_by")


class ConsentAdminMixin:
    consent_kind: str = ""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        model_fields = {f.name for f in self.model._meta.get_fields()}
        fields += [f for f in CONSENT_FIELDS if f in model_fields and f not in fields]
        return fields + ["approval_history"]

    @admin.display(description="Approval history")
    def approval_history(self, obj):
        if obj is None or not obj.pk:
            return "-"
        events = list(consent_history(kind=self.consent_kind, object_id=obj.pk)[:50])
        if not events:
            return "No choice made yet."
        words = {True: "yes, on ORCID", False: "no, not on ORCID", None: "choice cleared"}
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.created_at.strftime("%Y-%m-%d %H:%M"), words[e.approved], e.actor, e.get_via_display())
             for e in events),
        )
        return format_html("<table><tr><th>when</th><th>choice</th><th>who</th><th>how</th></tr>{}</table>", rows)

    def save_model(self, request, obj, form, change):
        moved = change and "researcher" in form.changed_data
        if moved:
            obj.approved = None
            if hasattr(obj, "approved_at"):
                obj.approved_at = None
            if hasattr(obj, "approved_by"):
                obj.approved_by = ""
        super().save_model(request, obj, form, change)
        if moved:
            consent_record(items=[obj], kind=self.consent_kind, approved=None, by=request.user,
                           via=ConsentEvent.Via.ADMIN)


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The approval history, read-only; unit staff see their units' items only."""

    list_display = ("created_at", "researcher", "kind", "local_id", "unit", "approved", "actor", "via")
    list_filter = ("kind", "via", "approved")
    search_fields = ("researcher__username", "local_id", "actor")
    list_select_related = ("researcher", "unit")
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(unit__staff=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
