"""The admin for operations: the PUT-code ledger, the sync runs, and the sync overview page.

Staff see only their units' ledger rows (units.permissions.UnitScopedAdminMixin) and act
only for those units; superusers see everything. The ledger is read-only here: it is what
ORCID holds, and only the sync (or "retry failed items") changes it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from units.permissions import UnitScopedAdminMixin, user_unit_ids

from .models import OrcidItem, SyncError, SyncRun
from .selectors import (
    WITHDRAWN_BY_RESEARCHER, ledger_backlog, ledger_state_labels, ledger_states_by_kind, recent_runs,
    unsynced_eligible_works_count, withdrawn_by_researcher_q,
)
from .services import items_retry_failed, researchers_sync_now
from .svg import runs_chart


def _short_time(value) -> str:
    """A timestamp in the admin's lists: short, in the site's time zone."""
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _units_for(request):
    """The units `request.user` acts for (None: all, for superusers)."""
    from units.models import Unit

    ids = user_unit_ids(request.user)
    return None if ids is None else list(Unit.objects.filter(pk__in=ids))


def sync_researchers_now(modeladmin, request, researcher_ids) -> None:
    """Shared by the ledger's, the connections' and the works' "sync selected now" actions."""
    researcher_ids = sorted(set(researcher_ids))
    if not researcher_ids:
        modeladmin.message_user(request, "Nothing selected to sync.", level=messages.WARNING)
        return
    run = researchers_sync_now(
        researcher_ids=researcher_ids, triggered_by=request.user.get_username(), units=_units_for(request)
    )
    url = reverse("admin:putcodes_syncrun_change", args=[run.pk])
    if run.finished_at:
        modeladmin.message_user(
            request,
            format_html('Synced {} researcher(s): {} (<a href="{}">sync run {}</a>).', len(researcher_ids),
                        run.summary_line(), url, run.pk),
            level=messages.WARNING if run.failed else messages.SUCCESS,
        )
    else:
        modeladmin.message_user(
            request, format_html('Queued the sync of {} researcher(s) (<a href="{}">sync run {}</a>).',
                                 len(researcher_ids), url, run.pk)
        )


@admin.action(description="Sync the selected items' researchers now", permissions=["change"])
def sync_selected_researchers(modeladmin, request, queryset):
    sync_researchers_now(modeladmin, request, queryset.values_list("researcher_id", flat=True))


@admin.action(description="Sync the selected researchers with ORCID now", permissions=["change"])
def sync_selected_connections(modeladmin, request, queryset):
    """For the connections admin (a queryset of OrcidConnection)."""
    sync_researchers_now(modeladmin, request, queryset.values_list("user_id", flat=True))


@admin.action(description="Sync these works' researchers with ORCID now", permissions=["change"])
def sync_selected_owners(modeladmin, request, queryset):
    """For the works and employments admins (anything with a `researcher`)."""
    sync_researchers_now(modeladmin, request, queryset.values_list("researcher_id", flat=True))


# Other apps' admins offer these two by name (`actions = ["sync_selected_owners"]`), so they need
# not import the sync (a layer above them): Django finds a name among the site's actions.
# Disabled site-wide at once, so that only the admins that name them offer them.
for _action in (sync_selected_connections, sync_selected_owners):
    admin.site.add_action(_action, _action.__name__)
    admin.site.disable_action(_action.__name__)


@admin.action(description="Retry the selected failed items at the next sync", permissions=["change"])
def retry_failed_items(modeladmin, request, queryset):
    count = items_retry_failed(items=queryset.filter(state=OrcidItem.State.ERROR))
    modeladmin.message_user(request, f"{count} failed item(s) will be sent again at the next sync (or sync them now).")


class ErrorFilter(admin.SimpleListFilter):
    title = "ORCID error"
    parameter_name = "error"

    def lookups(self, request, model_admin):
        return [
            ("any", "Any error"),
            ("400", "400 invalid"),
            ("401", "401 token"),
            ("403", "403 forbidden"),
            ("409", "409 conflict"),
            ("5xx", "5xx / unreachable"),
            ("none", "No error"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        has_error = Q(last_error_status__isnull=False) | ~Q(last_error_message="")
        if value == "any":
            return queryset.filter(has_error)
        if value == "none":
            return queryset.exclude(has_error)
        if value == "5xx":
            return queryset.filter(Q(last_error_status__gte=500) | (Q(last_error_status__isnull=True) & ~Q(last_error_message="")))
        if value and value.isdigit():
            return queryset.filter(last_error_status=int(value))
        return queryset


def withdrawn_filter_query(state: str) -> str:
    """The ledger list's query string for one of `ledger_state_labels`'s states."""
    if state == WITHDRAWN_BY_RESEARCHER:
        return "withdrawn_by=researcher"
    if state == OrcidItem.State.WITHDRAWN:
        return "withdrawn_by=institution"
    return f"state__exact={state}"


class WithdrawnByFilter(admin.SimpleListFilter):
    """Withdrawn rows: the researcher's own choice or the institution's withdrawal."""

    title = "withdrawn by"
    parameter_name = "withdrawn_by"

    def lookups(self, request, model_admin):
        return [("researcher", "The researcher's request"), ("institution", "The institution")]

    def queryset(self, request, queryset):
        if self.value() == "researcher":
            return queryset.filter(withdrawn_by_researcher_q())
        if self.value() == "institution":
            return queryset.filter(state=OrcidItem.State.WITHDRAWN).exclude(withdrawn_by_researcher_q())
        return queryset


@admin.register(OrcidItem)
class OrcidItemAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    # Fits 1280 px: the unit by its code, one date, short headers (the change page has the rest).
    list_display = (
        "local_id_display", "item_title", "kind", "unit_code", "researcher_id_display", "orcid_id", "put_code", "state",
        "error_display", "written_short",
    )
    list_filter = ("state", WithdrawnByFilter, "kind", "unit", ErrorFilter)
    search_fields = (
        "orcid", "=researcher__username", "local_id", "work__identifiers_text", "work__title",
    )
    list_select_related = ("unit", "researcher", "work", "employment", "affiliation", "funding")
    raw_id_fields = ("researcher", "work", "employment")
    actions = [sync_selected_researchers, retry_failed_items]
    date_hierarchy = "updated_at"
    readonly_fields = [f.name for f in OrcidItem._meta.fields]
    list_per_page = 100
    show_full_result_count = False  # COUNT(*) on a large ledger for every page is slow

    @admin.display(description="Local ID", ordering="local_id")
    def local_id_display(self, obj: OrcidItem) -> str:
        return obj.local_id

    @admin.display(description="Title")
    def item_title(self, obj: OrcidItem) -> str:
        target = obj.work or obj.employment or obj.affiliation or obj.funding
        return str(target)[:80] if target else "(removed)"

    @admin.display(description="Unit", ordering="unit__code")
    def unit_code(self, obj: OrcidItem) -> str:
        return obj.unit.code

    @admin.display(description="ORCID iD", ordering="orcid")
    def orcid_id(self, obj: OrcidItem) -> str:
        return obj.orcid

    @admin.display(description="Written", ordering="written_at")
    def written_short(self, obj: OrcidItem) -> str:
        return _short_time(obj.written_at)

    @admin.display(description="Researcher", ordering="researcher__username")
    def researcher_id_display(self, obj: OrcidItem) -> str:
        return obj.researcher.get_username()

    @admin.display(description="Last error")
    def error_display(self, obj: OrcidItem) -> str:
        if not obj.has_error:
            return ""
        status = obj.last_error_status or "-"
        return f"{status}: {obj.last_error_message[:120]}"

    def get_search_results(self, request, queryset, search_term):
        # A number is a put-code (or part of an id); match it exactly as well.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isdigit():
            queryset |= self.get_queryset(request).filter(put_code=int(term))
        return queryset, may_have_duplicates

    def has_add_permission(self, request):
        return False  # rows come from the sync only

    def has_change_permission(self, request, obj=None):
        # The list's actions need "change"; a row itself is a record of ORCID: view-only, no Save.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a row would forget a put-code that is on ORCID


class SyncErrorInline(admin.TabularInline):
    model = SyncError
    fields = ("at", "researcher", "item", "status", "error_code", "message")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("researcher", "item")
        ids = user_unit_ids(request.user)
        if ids is not None:
            # Another unit's item errors are not theirs to see.
            qs = qs.filter(Q(item__unit__in=ids) | Q(item__isnull=True, researcher__orcid_items__unit__in=ids)).distinct()
        return qs


@admin.register(SyncRun)
class SyncRunAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """Unit staff see their units' runs only (a run of every unit, or another unit's, names
    researchers and counts that are not theirs); superusers see all."""

    # Fits 1280 px: the figures a reader needs first; unchanged, skipped and ORCID calls are on
    # the run's page.
    list_display = (
        "id", "started_short", "trigger", "triggered_by", "unit", "status", "duration_display", "people",
        "added", "updated", "deleted", "failed", "note_short",
    )
    # Only the units of the runs one may see, not every unit's name.
    list_filter = ("status", "trigger", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("triggered_by", "note")
    list_select_related = ("unit",)
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    inlines = [SyncErrorInline]
    date_hierarchy = "started_at"

    @admin.display(description="Started", ordering="started_at")
    def started_short(self, obj: SyncRun) -> str:
        return _short_time(obj.started_at)

    @admin.display(description="People", ordering="researchers_done")
    def people(self, obj: SyncRun) -> str:
        return f"{obj.researchers_done}/{obj.researchers_total}" if obj.researchers_total else str(obj.researchers_done)

    @admin.display(description="Added", ordering="created")
    def added(self, obj: SyncRun) -> int:
        return obj.created

    @admin.display(description="Note")
    def note_short(self, obj: SyncRun) -> str:
        return obj.note[:120]

    @admin.display(description="Duration")
    def duration_display(self, obj: SyncRun) -> str:
        duration = obj.duration
        return f"{duration.total_seconds():.1f} s" if duration is not None else "running"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a run is a record of what happened

    def get_urls(self):
        urls = super().get_urls()
        own = [
            path("overview/", self.admin_site.admin_view(self.overview_view), name="putcodes_sync_overview"),
        ]
        return own + urls

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "overview_url": reverse("admin:putcodes_sync_overview")}
        return super().changelist_view(request, extra_context)

    def overview_view(self, request):
        """The current backlog and a chart of recent runs by outcome."""
        if not (self.has_view_permission(request) or request.user.has_perm("putcodes.view_orciditem")):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        from units.permissions import unit_scoped

        items = unit_scoped(OrcidItem.objects.all(), user=request.user)
        backlog = ledger_backlog(items=items)
        # Withdrawn rows split: the institution's withdrawals apart from researchers' own choices.
        by_kind = ledger_states_by_kind(items=items)
        states = [
            {"state": value, "label": label, "count": sum(n for (_, s), n in by_kind.items() if s == value),
             "query": withdrawn_filter_query(value)}
            for value, label in ledger_state_labels()
        ]
        runs = recent_runs(limit=20)
        context = {
            **self.admin_site.each_context(request),
            "title": "ORCID sync overview",
            "opts": self.model._meta,
            "states": states,
            "owed": backlog.get("pending", 0) + backlog.get("outcome_unknown", 0) + backlog.get("error", 0),
            "unsynced_works": unsynced_eligible_works_count(units=_units_for(request)),
            "runs": list(reversed(runs))[:10],
            "chart": runs_chart(runs),
            "last_run": runs[-1] if runs else None,
        }
        return TemplateResponse(request, "admin/putcodes/sync_overview.html", context)
