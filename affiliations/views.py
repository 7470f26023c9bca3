"""The researcher's choice about an affiliation, from the dashboard (units.item_views shares the view
body with the other kinds). Thin: rules in services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from units.item_views import unit_item_choose

from .models import Affiliation
from .services import affiliation_choose


@login_required
@require_POST
def choose(request, pk: int):
    return unit_item_choose(
        request,
        pk,
        model=Affiliation,
        choose=lambda item, researcher, approved: affiliation_choose(affiliation=item, researcher=researcher, approved=approved),
        section=lambda item: item.section,
    )
