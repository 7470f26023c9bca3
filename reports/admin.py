"""The adoption page in the admin: the report now (unit-scoped for unit staff), with charts of
the weekly snapshots and of the departments. Superusers see the whole institution."""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse

from units.models import Unit
from units.permissions import UnitScopedAdminMixin, user_unit_ids

from .formats import report_rows
from .models import AdoptionSnapshot
from .selectors import adoption_report, report_columns
from .svg import adoption_trend_svg, department_bars_svg

TREND_WEEKS = 52


def _scope(request):
    """(units for the report or None for all, the unit whose snapshots are drawn or None)."""
    ids = user_unit_ids(request.user)
    code = request.GET.get("unit") or ""
    if ids is None:
        unit = Unit.objects.filter(code=code).first() if code else None
        return ([unit] if unit else None), unit
    units = list(Unit.objects.filter(pk__in=ids).order_by("code"))
    chosen = next((u for u in units if u.code == code), None)
    if chosen is not None:
        return [chosen], chosen
    return units, (units[0] if len(units) == 1 else None)


def column_groups() -> list[dict]:
    """The table's headers in words, grouped (the CSV keeps the column codes): a screen of 1280 px
    holds the 21 figures when their headers are short words under a group heading."""
    from connections.models import OrcidConnection
    from putcodes.models import OrcidItem

    statuses = dict(OrcidConnection.Status.choices)
    kinds = dict(OrcidItem.Kind.choices)
    groups = [{"label": "", "columns": ["Researchers", "Connected", "% connected"]}, {"label": "Connections", "columns": []},
              {"label": "Items on ORCID", "columns": []}, {"label": "", "columns": ["Failing items"]}]
    for column in report_columns()[3:-1]:
        if column.startswith("connections_"):
            code = column.removeprefix("connections_")
            groups[1]["columns"].append(statuses.get(code, code.replace("_", " ").capitalize()))
        else:
            code = column.removeprefix("items_on_orcid_")
            groups[2]["columns"].append(kinds.get(code, code))
    return groups


@admin.register(AdoptionSnapshot)
class AdoptionSnapshotAdmin(UnitScopedAdminMixin, admin.ModelAdmin):
    """The changelist is the adoption page; the snapshots themselves are read-only."""

    list_display = ("taken_on", "unit", "researchers", "connected", "items_on_orcid", "items_failing")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        from django.core.exceptions import PermissionDenied

        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        units, trend_unit = _scope(request)
        all_units = user_unit_ids(request.user) is None
        if not all_units and not units:
            report = None
        else:
            report = adoption_report(units=units)
        snapshots = AdoptionSnapshot.objects.filter(unit=trend_unit) if (trend_unit or all_units) else None
        trend = list(reversed(snapshots.order_by("-taken_on")[:TREND_WEEKS])) if snapshots is not None else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "ORCID adoption",
            "report": report,
            "unit_choices": Unit.objects.all() if all_units else (units or []),
            "chosen": request.GET.get("unit") or "",
            "trend_svg": adoption_trend_svg(trend) if len(trend) > 1 else None,
            "trend": trend,
            "rows": [
                {"level": row["level"], "name": row["name"], "values": [row[c] for c in report["columns"]]}
                for row in report_rows(report)
            ] if report else [],
            "column_groups": column_groups(),
            "departments_svg": department_bars_svg(report["departments"]) if report and report["departments"] else None,
        }
        return TemplateResponse(request, "admin/reports/adoption.html", context)
