from django.contrib import admin

from .models import ApiAuditEvent, ApiKey, ImportJob, Unit
from .permissions import UnitScopedAdminMixin
from .services import api_key_revoke

try:  # unit-scoped staff access and the unit-wide actions (units/permissions.py)
    from .permissions import UNIT_ADMIN_ACTIONS, UnitStaffAdminMixin
except ImportError:  # pragma: no cover - while that module is not in the tree
    UNIT_ADMIN_ACTIONS = []

    class UnitStaffAdminMixin:  # type: ignore[no-redef]
        pass


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ("prefix", "name", "scopes", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # keys are made with `manage.py create_api_key`, which shows the secret once


@admin.register(Unit)
class UnitAdmin(UnitStaffAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "paused", "requires_approval", "updated_at")
    actions = UNIT_ADMIN_ACTIONS
    list_filter = ("paused", "requires_approval")
    search_fields = ("code", "name")
    filter_horizontal = ("staff",)
    inlines = [ApiKeyInline]

    def get_readonly_fields(self, request, obj=None):
        # Who staffs a unit decides who acts on its items: superusers only, never the unit's
        # own staff (who could otherwise add anyone).
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else readonly + ("staff",)


@admin.register(ApiKey)
class ApiKeyAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """Keys are shown by their public prefix only; the secret is never stored. A unit's staff
    see and revoke only their own units' keys."""

    list_display = ("__str__", "unit", "name", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("unit", ("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "unit__code")
    list_select_related = ("unit",)
    fields = ("unit", "name", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "token_units",
              "token_groups", "revoked_at")
    filter_horizontal = ("token_units", "token_groups")
    readonly_fields = ("unit", "prefix", "scopes", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke_keys"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke selected keys (they stop working at once)", permissions=["change"])
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).")


@admin.register(ApiAuditEvent)
class ApiAuditEventAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """The API audit log, read-only: who read what, and which answers carried a token. A unit's
    staff see only the calls made with their units' keys."""

    unit_path = "api_key__unit"

    list_display = ("at", "api_key", "user", "method", "path", "institutional_id", "status_code", "token_disclosed", "remote_addr")
    list_filter = ("token_disclosed", "method", "status_code", "api_key__unit")
    search_fields = ("institutional_id", "path", "api_key__prefix", "user__username")
    list_select_related = ("api_key__unit", "user")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """The background imports (admin uploads): read-only; each kind's upload page starts them."""

    list_display = ("pk", "kind", "unit", "file_name", "state", "rows_done", "rows_total", "created_by",
                    "created_at", "finished_at")
    list_filter = ("state", "kind", "unit")
    search_fields = ("file_name", "created_by__username")
    list_select_related = ("unit", "created_by")
    readonly_fields = ("unit", "kind", "file_name", "options", "state", "rows_total", "rows_done", "counts", "error",
                       "report", "created_by", "created_at", "started_at", "finished_at", "updated_at")
    exclude = ("file", "rejected")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a record of what was imported
