"""The curation page `/works/`: the signed-in researcher's works, their state, and their choices.

Server-rendered and usable without JavaScript: filtering is a GET form, approving and
rejecting a POST form (CSRF-protected) that redirects back (post/redirect/get). The page
runs a fixed number of SQL queries whatever the number of works (pagination, one query for
the ledger, one for the counts per state).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .eligibility import work_eligibility
from .models import Work
from .orcid_serialization import payload_to_json, payload_to_xml, work_payload
from .preview import work_display

PAGE_SIZE = 50
MAX_SEARCH_LENGTH = 200


def _filters(params) -> tuple[str, str]:
    status = params.get("status", "")
    if status not in selectors.WorkStatus.ALL:
        status = ""
    search = (params.get("q") or "").strip()[:MAX_SEARCH_LENGTH]
    return status, search


@login_required
@require_http_methods(["GET", "POST"])
def works_page(request):
    if request.method == "POST":
        return _works_choose(request)
    researcher = request.user
    status, search = _filters(request.GET)
    works = selectors.works_for_researcher(researcher=researcher, status=status, search=search)
    page = Paginator(works, PAGE_SIZE).get_page(request.GET.get("page"))
    record = selectors.orcid_record_works(researcher=researcher)
    rows = selectors.work_rows(list(page.object_list), record=record)
    counts = selectors.work_status_counts(researcher=researcher, search=search)
    filters = [
        {"value": value, "label": label, "count": counts.get(value, 0), "current": value == status}
        for value, label in selectors.WorkStatus.LABELS.items()
    ]
    keep = {k: v for k, v in (("status", status), ("q", search)) if v}
    return render(request, "works/works.html", {
        "rows": rows,
        "page": page,
        "status": status,
        "status_label": selectors.WorkStatus.LABELS.get(status, ""),
        "search": search,
        "filters": filters,
        "total": counts.get("total", 0),
        "matching": page.paginator.count,
        "record": record,
        "query_keep": urlencode(keep),
        "query_keep_page": urlencode({**keep, "page": page.number}),
    })


def _works_choose(request):
    """Add or keep off: one work (its own button) or the ticked ones, or all that match the
    filter, the last only after a confirmation page that says how many and what ORCID will see."""
    researcher = request.user
    action = request.POST.get("action", "")
    one = request.POST.get("approve_one") or request.POST.get("reject_one")
    if one:
        action = "approve" if request.POST.get("approve_one") else "reject"
    if action == "none":  # Enter pressed in the form (its default button): nothing is changed
        messages.info(request, "Nothing was changed. Use a button to add works or keep them off your ORCID record.")
        return _back(request)
    if action not in {"approve", "reject"}:
        messages.error(request, "Choose whether to add the works to your ORCID record or keep them off it.")
        return _back(request)
    approved = action == "approve"
    status, search = _filters(request.POST)
    every = not one and request.POST.get("scope") == "all"
    if one:
        ids = [one]
    elif every:
        chosen = selectors.works_for_researcher(researcher=researcher, status=status, search=search)
        if request.POST.get("confirmed") != "yes":
            return _confirm_all(request, chosen, approved=approved, status=status, search=search)
        ids = list(chosen.values_list("id", flat=True))
    else:
        ids = request.POST.getlist("work")
    try:
        work_ids = [int(i) for i in ids]
    except ValueError:
        messages.error(request, "Some of the selected works are not valid.")
        return _back(request)
    if not work_ids:
        messages.warning(request, "Tick at least one work first.")
        return _back(request)
    changed = services.works_set_approval(researcher=researcher, work_ids=work_ids, approved=approved, by=researcher)
    messages.success(request, _choice_message(changed, approved))
    return _back(request)


def _works_count(count: int) -> str:
    return f"{count:,} work{'' if count == 1 else 's'}"


def _choice_message(changed: int, approved: bool) -> str:
    if approved:
        return (f"{_works_count(changed)} will be added to your ORCID record at the next sync (those that can be: "
                "public, with an identifier ORCID accepts).")
    return f"{_works_count(changed)} will be kept off your ORCID record (and removed if this portal added them)."


def _confirm_all(request, chosen, *, approved: bool, status: str, search: str):
    """The confirmation step of a choice about all the matching works (works without JavaScript)."""
    counts = selectors.work_status_counts_of(chosen)
    return render(request, "works/confirm_all.html", {
        "approved": approved,
        "action": "approve" if approved else "reject",
        "count": counts["total"],
        "on_orcid": counts["on_orcid"],
        "eligible": counts["writable"],
        "status": status,
        "status_label": selectors.WorkStatus.LABELS.get(status, ""),
        "search": search,
        "page_number": request.POST.get("page", ""),
    })


def _back(request):
    status, search = _filters(request.POST)
    params = {k: v for k, v in (("status", status), ("q", search), ("page", request.POST.get("page", ""))) if v}
    url = reverse("works:list")
    return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url)


@login_required
@require_http_methods(["GET"])
def work_preview(request, work_id: int):
    """Exactly what will be written to ORCID for one of the researcher's works."""
    work = Work.objects.select_related("unit").filter(pk=work_id, researcher=request.user).first()
    if work is None:
        raise Http404("No such work.")
    payload = work_payload(work)
    row = selectors.work_rows([work])[0]
    body = payload_to_json(payload)
    return render(request, "works/preview.html", {
        "work": work,
        "row": row,
        "shown": work_display(body),
        "eligibility": work_eligibility(work),
        "notes": payload.notes,
        "json_body": json.dumps(body, indent=2, ensure_ascii=False),
        "xml_body": payload_to_xml(payload).decode("utf-8"),
    })


@login_required
@require_http_methods(["POST"])
def preference_add(request):
    """Make a standing preference: future works (of a unit, of a type) are added without asking."""
    from units.models import Unit

    from .preferences import preference_add as add

    unit_id = request.POST.get("unit") or ""
    unit = Unit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
    try:
        preference = add(researcher=request.user, unit=unit, work_type=request.POST.get("work_type", ""))
    except ValueError:
        messages.error(request, "Choose a work type from the list.")
    else:
        messages.success(request, f"{preference.describe()} will be added to your ORCID record without asking you. "
                                  "Works listed already are not changed.")
    return HttpResponseRedirect(reverse("dashboard") + "#preferences")


@login_required
@require_http_methods(["POST"])
def preference_remove(request, preference_id: int):
    from .preferences import preference_remove as remove

    if remove(researcher=request.user, preference_id=preference_id):
        messages.success(request, "Standing choice removed: new works will wait for your choice again.")
    return HttpResponseRedirect(reverse("dashboard") + "#preferences")
