"""Unit event endpoints and their delivery log, unit-scoped for unit staff."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models

from units.permissions import UnitScopedAdminMixin

from .models import EventDelivery, EventType, UnitEndpoint
from .services import deliveries_retry_now, unit_event_emit


@admin.register(UnitEndpoint)
class UnitEndpointAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    list_display = ("unit", "url", "active", "created_at")
    list_filter = ("active", "unit")
    search_fields = ("url", "unit__code")
    list_select_related = ("unit",)
    actions = ["send_test_event"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # an address typed bare is https
    fieldsets = [
        (None, {"fields": ("unit", "url", "event_types", "active")}),
        ("Signature", {"fields": ("secret",), "description": (
            "Events carry X-Portal-Timestamp and X-Portal-Signature: sha256=HMAC-SHA256(secret, "
            "timestamp + '.' + body), hex (README, 'Unit events').")}),
    ]

    @admin.action(description="Send a test event to the selected endpoints")
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            unit_event_emit(unit_ids=[endpoint.unit_id], event_type=EventType.TEST, subject="",
                            data={"message": "A test event from the ORCID portal."})
        self.message_user(request, "Test events queued; see the delivery log.", messages.SUCCESS)


@admin.register(EventDelivery)
class EventDeliveryAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    unit_path = "endpoint__unit"
    list_display = ("created_at", "event_type", "endpoint", "subject", "state", "attempts", "last_status_code",
                    "next_attempt_at", "delivered_at")
    list_filter = ("state", "event_type")
    search_fields = ("subject", "event_id", "endpoint__url")
    list_select_related = ("endpoint", "endpoint__unit")
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # the log of what was sent

    @admin.action(description="Retry the selected deliveries now")
    def retry_now(self, request, queryset):
        count = deliveries_retry_now(deliveries=queryset)
        self.message_user(request, f"{count} deliveries are due again; the next scheduled run sends them.")
