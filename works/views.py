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
    """Approve or reject: one work (its own button) or the selected ones, or all that match."""
    researcher = request.user
    action = request.POST.get("action", "")
    one = request.POST.get("approve_one") or request.POST.get("reject_one")
    if one:
        action = "approve" if request.POST.get("approve_one") else "reject"
    if action not in {"approve", "reject"}:
        messages.error(request, "Choose whether to approve or reject the works.")
        return _back(request)
    approved = action == "approve"
    status, search = _filters(request.POST)
    if one:
        ids = [one]
    elif request.POST.get("scope") == "all":
        ids = list(selectors.works_for_researcher(researcher=researcher, status=status, search=search)
                  .values_list("id", flat=True))
    else:
        ids = request.POST.getlist("work")
    try:
        work_ids = [int(i) for i in ids]
    except ValueError:
        messages.error(request, "Some of the selected works are not valid.")
        return _back(request)
    if not work_ids:
        messages.warning(request, "Select at least one work first.")
        return _back(request)
    changed = services.works_set_approval(researcher=researcher, work_ids=work_ids, approved=approved, by=researcher)
    if approved:
        messages.success(request, f"Approved {changed} work(s). Eligible works are written to your ORCID record "
                                  "at the next sync.")
    else:
        messages.success(request, f"{changed} work(s) will be kept off your ORCID record (and removed if this "
                                  "portal put them there).")
    return _back(request)


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
    return render(request, "works/preview.html", {
        "work": work,
        "row": row,
        "eligibility": work_eligibility(work),
        "notes": payload.notes,
        "json_body": json.dumps(payload_to_json(payload), indent=2, ensure_ascii=False),
        "xml_body": payload_to_xml(payload).decode("utf-8"),
    })
