from django import template

from funding.selectors import fundings_for_dashboard

register = template.Library()


@register.inclusion_tag("funding/_funding_list.html", takes_context=True)
def funding_section(context):
    """The dashboard's "Your funding on ORCID" list, for the signed-in researcher only."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rows = fundings_for_dashboard(researcher=user) if user is not None and user.is_authenticated else []
    return {"rows": rows, "csrf_token": context.get("csrf_token"), "request": request}
