from django import template

from employments.selectors import employment_dates, employments_for_dashboard

register = template.Library()


@register.inclusion_tag("employments/_employment_list.html", takes_context=True)
def employment_section(context):
    """The dashboard's "Your employment on ORCID" list, for the signed-in researcher only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = employments_for_dashboard(researcher=user) if user is not None and user.is_authenticated else []
    return {
        "rows": rows,
        "asks_approval": any(row.employment.unit.requires_approval for row in rows),
        "institution_name": context.get("institution_name", ""),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.filter
def dates(employment) -> str:
    return employment_dates(employment)
