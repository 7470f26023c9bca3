from django.contrib import admin, messages

from orcid_client.errors import OrcidError

from .models import WebhookSubscription
from .services import webhook_register


@admin.action(description="Register the selected webhooks at ORCID again", permissions=["change"])
def register_again(modeladmin, request, queryset):
    from connections.models import OrcidConnection

    done = failed = 0
    for subscription in queryset.select_related("user"):
        connection = OrcidConnection.objects.filter(user=subscription.user, orcid=subscription.orcid,
                                                    status=OrcidConnection.Status.ACTIVE).first()
        if connection is None:
            failed += 1
            continue
        try:
            done += webhook_register(connection=connection) is not None
        except OrcidError:
            failed += 1
    modeladmin.message_user(request, f"Registered {done} webhook(s); {failed} could not be (see their last error).",
                            level=messages.WARNING if failed else messages.SUCCESS)


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
    actions = [register_again]

    def has_add_permission(self, request):
        return False
