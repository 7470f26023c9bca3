from django.contrib import admin

from .models import ErasureEvent


@admin.register(ErasureEvent)
class ErasureEventAdmin(admin.ModelAdmin):
    """Read-only: the proof that erasures happened (they name nobody)."""

    list_display = ("reference", "at", "requested_by", "items_withdrawn", "items_left_on_orcid", "token_revoked")
    list_filter = ("token_revoked", "items_left_on_orcid")
    readonly_fields = [f.name for f in ErasureEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
