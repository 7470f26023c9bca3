"""The researcher's yes/no about one of their items with a unit (employments, affiliations,
funding), from the dashboard: the view body each kind's `choose` view shares. Thin: the kind's
service holds the rules. Imports no kind's app (issue 10 layers): the kind passes its model,
its service and the dashboard section to return to."""

from __future__ import annotations

from typing import Any, Callable

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect


def unit_item_choose(
    request,
    pk: int,
    *,
    model,
    choose: Callable[[Any, Any, bool], None],
    section: Callable[[Any], str],
):
    """Record the researcher's choice (`approved=true` or not) about their item `pk` with
    `choose(item, researcher, approved)`, then go back to the dashboard's `section(item)`."""
    # Another researcher's item is a 404, as if it did not exist.
    item = model.objects.filter(pk=pk, researcher=request.user).first()
    if item is None or item.removed_at is not None:
        raise Http404
    approved = request.POST.get("approved") == "true"
    choose(item, request.user, approved)
    if approved:
        messages.success(request, f"“{item}” will be added to your ORCID record at the next update.")
    else:
        messages.success(request, f"“{item}” will not be on your ORCID record (removed at the next update if it is there).")
    return redirect(f"/#{section(item)}")


def dashboard_rows(context, rows_of: Callable[..., list]) -> list:
    """For a kind's dashboard template tag: `rows_of(researcher=...)` for the signed-in
    researcher only; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return rows_of(researcher=user) if user is not None and user.is_authenticated else []
