from django import template

from affiliations.selectors import affiliation_sections_for_dashboard, item_dates
from units.item_views import dashboard_rows


register = template.Library()


@register.inclusion_tag("affiliations/_sections.html", takes_context=True)
def affiliation_sections(context):
    """The dashboard's list per affiliation section, for the signed-in researcher only."""
    sections = dashboard_rows(context, affiliation_sections_for_dashboard)
    return {"sections": sections, "csrf_token": context.get("csrf_token"), "request": context.get("request")}


@register.filter
def item_date_range(obj) -> str:
    return item_dates(obj)
