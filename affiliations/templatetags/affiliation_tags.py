from django import template

from affiliations.selectors import affiliation_sections_for_dashboard, item_dates

register = template.Library()


@register.inclusion_tag("affiliations/_sections.html", takes_context=True)
def affiliation_sections(context):
    """The dashboard's list per affiliation section, for the signed-in researcher only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    sections = affiliation_sections_for_dashboard(researcher=user) if user is not None and user.is_authenticated else []
    return {"sections": sections, "csrf_token": context.get("csrf_token"), "request": request}


@register.filter
def item_date_range(obj) -> str:
    return item_dates(obj)
