"""Invitations in the admin: the list with filters and a CSV export, an upload (the same as
`manage.py invite_researchers`), and "Invite selected researchers" on the users' list. Unit
staff see and invite for their own units only."""

from __future__ import annotations

import csv
import io

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse

from units.models import Unit
from units.permissions import UnitScopedAdminMixin, user_unit_ids

from .forms import InviteSelectedForm, InviteUploadForm
from .models import Invitation
from .rows import InvitationFileError, InviteRow, RowOutcome, invitation_rows_read
from .services import invitations_invite

MAX_SHOWN_ROWS = 500
EXPORT_COLUMNS = ("institutional_id", "email", "unit", "status", "sent_at", "reminders", "opened_at", "connected_at",
                  "declined_at", "expires_at", "last_error")


def _units(request):
    ids = user_unit_ids(request.user)
    return Unit.objects.all() if ids is None else Unit.objects.filter(pk__in=ids)


def _who(request) -> str:
    return f"admin ({request.user.get_username()})"


def _cell(value) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection).
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


class _Echo:
    def write(self, value):
        return value


@admin.action(description="Export the selected invitations as CSV", permissions=["view"])
def export_csv(modeladmin, request, queryset):
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS)
        for inv in queryset.select_related("unit").order_by("pk").iterator(chunk_size=1000):
            yield writer.writerow([_cell(value) for value in (
                inv.institutional_id, inv.email, inv.unit.code, inv.status, inv.sent_at, inv.reminders, inv.opened_at,
                inv.connected_at, inv.declined_at, inv.expires_at, inv.last_error)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitations.csv"'
    return response


@admin.register(Invitation)
class InvitationAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "email", "unit", "status", "sent_at", "reminders", "opened_at",
                    "connected_at", "expires_at", "inbox")
    list_filter = ("status", "unit", "reminders", ("orcid_notified", admin.EmptyFieldListFilter))
    search_fields = ("institutional_id", "email", "given_names", "family_names", "orcid_notified")
    list_select_related = ("unit",)
    date_hierarchy = "created_at"
    actions = [export_csv]
    change_list_template = "invitations/admin_change_list.html"
    # The state machine (invitations/states.py) alone changes an invitation.
    readonly_fields = ("unit", "institutional_id", "email", "given_names", "family_names", "status", "invited_by",
                       "created_at", "expires_at", "sent_at", "last_sent_at", "reminders", "opened_at",
                       "connected_at", "declined_at", "failed_at", "last_error", "orcid_notified",
                       "orcid_notification_put_code")
    exclude = ("link_id", "token_hash")

    def has_add_permission(self, request):
        return False  # invitations come from the upload, the users' action or the command

    def has_change_permission(self, request, obj=None):
        # Every field is read-only (the state machine changes them): no Save on an invitation.
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="Institutional ID", ordering="institutional_id")
    def person(self, obj):
        return obj.institutional_id

    @admin.display(description="ORCID inbox", ordering="orcid_notified")
    def inbox(self, obj):
        return obj.orcid_notified or "—"

    def get_urls(self):
        custom = [path("invite/", self.admin_site.admin_view(self.invite_view), name="invitations_invitation_invite")]
        return custom + super().get_urls()

    def invite_view(self, request):
        """Upload a file of people to invite into one of the staff member's units."""
        if not request.user.has_perm("invitations.add_invitation"):
            raise PermissionDenied
        form = InviteUploadForm(request.POST or None, request.FILES or None, units=_units(request))
        report = None
        if request.method == "POST" and form.is_valid():
            unit, upload = form.cleaned_data["unit"], form.cleaned_data["file"]
            try:
                rows = invitation_rows_read(io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline=""),
                                            unit_code=unit.code)
                report = _report(invitations_invite(unit=unit, rows=rows, invited_by=_who(request)))
            except InvitationFileError as error:
                messages.error(request, f"{upload.name}: {error}")
            except UnicodeDecodeError:
                messages.error(request, f"{upload.name} is not UTF-8 text; save it as UTF-8 CSV.")
        return TemplateResponse(request, "invitations/admin_invite.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": "Invite researchers",
            "form": form, "report": report, "changelist_url": reverse("admin:invitations_invitation_changelist"),
        })


def _report(outcomes) -> dict:
    counts = {RowOutcome.INVITED: 0, RowOutcome.SKIPPED: 0, RowOutcome.REJECTED: 0, RowOutcome.FAILED: 0}
    shown = []
    for outcome in outcomes:
        counts[outcome.outcome] += 1
        if len(shown) < MAX_SHOWN_ROWS:
            shown.append(outcome)
    return {"counts": counts, "rows": shown, "more": sum(counts.values()) - len(shown)}


@admin.action(description="Invite selected researchers to connect ORCID")
def invite_selected_researchers(modeladmin, request, queryset):
    """On the users' list: invite the selected people (their email and names as on file) for a
    unit of the staff member's, chosen on the page that follows."""
    if not request.user.has_perm("invitations.add_invitation"):
        raise PermissionDenied
    form = InviteSelectedForm(request.POST if "apply" in request.POST else None, units=_units(request))
    if form.is_bound and form.is_valid():
        rows = (_user_row(line, user) for line, user in enumerate(queryset.order_by("username"), start=1))
        report = _report(invitations_invite(unit=form.cleaned_data["unit"], rows=rows, invited_by=_who(request)))
        for outcome in report["rows"]:
            if outcome.outcome != RowOutcome.INVITED:
                modeladmin.message_user(request, f"{outcome.institutional_id}: {outcome.outcome} ({outcome.reason})",
                                        level=messages.WARNING)
        counts = report["counts"]
        modeladmin.message_user(request, f"Invited {counts['invited']}, skipped {counts['skipped']}, "
                                f"rejected {counts['rejected']}, email failed {counts['failed']}.")
        return None
    return TemplateResponse(request, "invitations/admin_invite_selected.html", {
        **modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, "form": form,
        "people": queryset.order_by("username")[:200], "count": queryset.count(),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME), "title": "Invite selected researchers",
    })


def _user_row(line: int, user) -> InviteRow | RowOutcome:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(user.email)
    except ValidationError:
        return RowOutcome(line, user.username.lower(), RowOutcome.REJECTED, "no valid email address on file")
    return InviteRow(line, user.username.lower(), user.email, user.first_name, user.last_name)


# The users' list is the accounts app's; the action is added from here, the layer above it.
_user_admin = admin.site.get_model_admin(get_user_model()) if admin.site.is_registered(get_user_model()) else None
if _user_admin is not None and invite_selected_researchers not in (_user_admin.actions or []):
    _user_admin.actions = [*(_user_admin.actions or []), invite_selected_researchers]
