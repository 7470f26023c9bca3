"""What the admins of the item kinds share (affiliations, funding): the ledger's state and
put-code, whether the item may be written, and the body ORCID receives. Below the kinds
(issue 10 layers): a kind's admin sets `to_json` and `eligibility_of`; the ledger row is read
by attribute (`obj.orcid_item`), so this module imports no kind's app."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import models
from django.utils.html import format_html

from .item_rows import item_dates


class ItemLedgerAdminMixin:
    """What every unit item kind's admin shows of the ledger (employments too): the ORCID
    state, the put-code, and whether the item may be written (`eligibility_of`)."""

    eligibility_of = staticmethod(lambda obj: None)

    @admin.display(description="ORCID state")
    def orcid_state(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.get_state_display() if item else "not written"

    @admin.display(description="put-code")
    def put_code(self, obj):
        item = getattr(obj, "orcid_item", None)
        return item.put_code if item and item.put_code else ""

    @admin.display(description="may be written")
    def eligibility(self, obj):
        result = self.eligibility_of(obj)
        return "yes" if result.eligible else "no: " + " ".join(result.reasons)


class ItemAdminMixin(ItemLedgerAdminMixin):
    """What the affiliation and funding admins share: the ledger's columns (sortable by state),
    the dates, and the body ORCID receives."""

    to_json = staticmethod(lambda obj: {})
    # ORCID's URLs are https; also what Django 6 will assume for a URL typed without a scheme.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description="dates")
    def dates(self, obj):
        return item_dates(obj)

    @admin.display(description="ORCID state", ordering="orcid_item__state")
    def orcid_state(self, obj):
        return super().orcid_state(obj)

    @admin.display(description="What is written to ORCID (JSON)")
    def orcid_preview(self, obj):
        if not obj.pk:
            return "-"
        body = json.dumps(self.to_json(obj), indent=2, ensure_ascii=False)
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", body)
