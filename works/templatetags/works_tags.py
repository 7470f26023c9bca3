from django import template

from units.models import Unit

from ..models import Work, WorkType
from ..preferences import preferences_of

register = template.Library()


@register.inclusion_tag("works/preferences_section.html", takes_context=True)
def work_preferences_section(context):
    """The dashboard's standing choices: those the researcher made, and a form to make one."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    unit_ids = Work.objects.filter(researcher=user).values_list("unit_id", flat=True).distinct()
    return {
        "show": True,
        "preferences": preferences_of(researcher=user),
        "units": Unit.objects.filter(pk__in=unit_ids).order_by("name"),
        "work_types": WorkType.choices,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
