from django import template

from employments.selectors import employment_dates, employments_for_dashboard
from units.item_views import dashboard_rows


register = template.Library()


@register.inclusion_tag("employments/_employment_list.html", takes_context=True)
def employment_section(context):
    """The dashboard's "Your employment on ORCID" list, for the signed-in researcher only."""
    rows = dashboard_rows(context, employments_for_dashboard)
    return {
        "rows": rows,
        "asks_approval": any(row.employment.unit.requires_approval for row in rows),
        "institution_name": context.get("institution_name", ""),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }


@register.filter
def dates(employment) -> str:
    return employment_dates(employment)
