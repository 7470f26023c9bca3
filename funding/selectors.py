"""Reads of funding for pages: the dashboard's rows."""

from __future__ import annotations

from units.item_rows import ItemRow, item_rows

from .eligibility import funding_eligibility
from .models import Funding


def fundings_for_dashboard(*, researcher) -> list[ItemRow]:
    """The researcher's funding that a unit lists or that is on ORCID, with its state. Two queries."""
    fundings = (
        Funding.objects.filter(researcher=researcher)
        .select_related("unit", "orcid_item")
        .order_by("-start_year", "-start_month", "title")
    )
    return item_rows(fundings, funding_eligibility)
