from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "to_address", "sent_at", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "to_address", "event_key")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("user", "kind", "event_key", "to_address", "subject", "sent_at", "created_at")

    def has_add_permission(self, request):
        return False

    # A record of an email sent: nothing to edit or delete (issue 14).
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
