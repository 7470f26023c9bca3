from django.contrib import admin, messages

from orcid_client.errors import OrcidError

from . import services
from .models import ConnectionEvent, OrcidConnection


def _mask(ciphertext: str) -> str:
    return "stored (encrypted)" if ciphertext else "—"


class ConnectionEventInline(admin.TabularInline):
    model = ConnectionEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "orcid", "detail", "actor")
    readonly_fields = fields
    ordering = ("-at",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OrcidConnection)
class OrcidConnectionAdmin(admin.ModelAdmin):
    """Operations view of the token store. Tokens are never shown, not even truncated."""

    list_display = (
        "user", "orcid", "name", "status", "primary_orcid", "revoked_by", "connected_at", "expires_at", "updated_at",
    )
    # The status filter offers the record states too (locked, deactivated, deprecated): the
    # connections whose items wait on ORCID.
    list_filter = ("status", "revoked_by")
    search_fields = ("orcid", "primary_orcid", "user__username", "name")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "connected_at"
    readonly_fields = (
        "user", "orcid", "name", "scopes", "status", "revoked_by", "status_reason", "primary_orcid", "record_state_at",
        "access_token_state",
        "refresh_token_state", "expires_at", "connected_at", "refreshed_at", "revoked_at", "disconnected_at",
        "created_at", "updated_at",
    )
    fields = readonly_fields
    inlines = [ConnectionEventInline]
    # "sync_selected_connections" is the sync's site-wide action (putcodes.admin), by name.
    actions = ["refresh_tokens_now", "sync_selected_connections"]

    @admin.display(description="Access token")
    def access_token_state(self, obj):
        return _mask(obj.access_token_encrypted)

    @admin.display(description="Refresh token")
    def refresh_token_state(self, obj):
        return _mask(obj.refresh_token_encrypted)

    def has_add_permission(self, request):
        return False  # connections are made by researchers granting access on ORCID

    @admin.action(description="Check selected connections (refresh tokens that are close to expiry)",
                  permissions=["change"])
    def refresh_tokens_now(self, request, queryset):
        ok = failed = 0
        for connection in queryset.filter(status__in=[OrcidConnection.Status.ACTIVE, *OrcidConnection.RECORD_STATUSES]):
            try:
                services.connection_access_token(connection=connection)
                ok += 1
            except OrcidError as error:
                failed += 1
                self.message_user(request, f"{connection.user}: {type(error).__name__}", messages.WARNING)
        self.message_user(request, f"{ok} connection(s) usable, {failed} not.")


@admin.register(ConnectionEvent)
class ConnectionEventAdmin(admin.ModelAdmin):
    list_display = ("at", "connection", "kind", "orcid", "actor", "detail")
    list_filter = ("kind",)
    search_fields = ("orcid", "connection__user__username")
    list_select_related = ("connection__user", "actor")
    raw_id_fields = ("connection", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
