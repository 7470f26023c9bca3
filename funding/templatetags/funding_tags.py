from django import template

from funding.selectors import fundings_for_dashboard
from units.item_views import dashboard_rows


register = template.Library()


@register.inclusion_tag("funding/_funding_list.html", takes_context=True)
def funding_section(context):
    """The dashboard's "Your funding on ORCID" list, for the signed-in researcher only."""
    rows = dashboard_rows(context, fundings_for_dashboard)
    return {"rows": rows, "csrf_token": context.get("csrf_token"), "request": context.get("request")}
