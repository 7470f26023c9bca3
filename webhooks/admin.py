from django.contrib import admin

from .models import WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    # The callback URL is a secret and is never shown; the nonce alone is useless without SECRET_KEY.
    list_display = ("orcid", "user", "state", "registered_at", "last_callback_at", "callbacks", "last_error")
    list_filter = ("state",)
    search_fields = ("orcid", "user__username")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("orcid", "user", "callback_base", "state", "registered_at", "unregistered_at",
                       "last_callback_at", "callbacks", "last_error", "created_at", "updated_at")
    exclude = ("nonce",)

    def has_add_permission(self, request):
        return False
