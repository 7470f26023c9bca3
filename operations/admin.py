from django.contrib import admin

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only history for the engineer on call; the portal opens and closes incidents itself."""

    list_display = ("kind", "status", "summary", "opened_at", "closed_at", "notified_at", "occurrences")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in Incident._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the on-call history

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
