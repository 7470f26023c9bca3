"""The researcher's choice about a funding, from the dashboard (units.item_views shares the view
body with the other kinds). Thin: rules in services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from units.item_views import unit_item_choose

from .models import Funding
from .services import funding_choose


@login_required
@require_POST
def choose(request, pk: int):
    return unit_item_choose(
        request,
        pk,
        model=Funding,
        choose=lambda item, researcher, approved: funding_choose(funding=item, researcher=researcher, approved=approved),
        section=lambda item: "funding",
    )
