"""The admin's lists fit a 1280 px screen (no sideways scrolling), and read-only records offer
neither Save nor Delete (issue 14)."""

from __future__ import annotations

import pytest

from tests.accessibility.test_axe_browser import admin_pages, researcher_with_works, sign_in
from tests.fixtures.works import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records nobody edits: what ORCID holds, what happened, what was sent.
READ_ONLY = (
    "putcodes_orciditem", "putcodes_syncrun", "putcodes_syncerror", "units_apiauditevent", "accounts_consentevent",
    "units_importjob", "unit_events_eventdelivery", "connections_connectionevent", "notifications_notification",
    "operations_incident", "privacy_erasureevent", "invitations_invitation",
)
# An invitation is not edited (its state machine changes it) but may be withdrawn (deleted).
DELETABLE = ("invitations_invitation",)


def test_admin_lists_fit_1280_px(page, live_server, sync_env, invite_env, mailoutbox):
    researcher_with_works(sync_env)
    invite_env.invite(invite_env.csv([("grace", "grace@example.edu", "Grace", "Hopper")]))
    UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(page, live_server.url, "root")
    too_wide = {}
    for changelist, _ in admin_pages():
        page.goto(f"{live_server.url}{changelist}")
        widths = page.evaluate(
            "() => { const t = document.querySelector('#result_list');"
            " return {page: document.documentElement.scrollWidth,"
            " table: t ? t.scrollWidth : 0, room: t ? t.parentElement.clientWidth : 0}; }"
        )
        if widths["page"] > 1280 or widths["table"] > widths["room"] + 1:
            too_wide[changelist] = widths
    assert not too_wide, f"lists wider than a 1280 px screen: {too_wide}"


def test_read_only_records_offer_no_save_or_delete(page, live_server, sync_env, invite_env, mailoutbox):
    researcher_with_works(sync_env)
    invite_env.invite(invite_env.csv([("grace", "grace@example.edu", "Grace", "Hopper")]))
    UserFactory(username="root", is_staff=True, is_superuser=True)
    sign_in(page, live_server.url, "root")
    checked = []
    for changelist, change in admin_pages():
        name = "_".join(reverse_name for reverse_name in changelist.strip("/").split("/")[1:3])
        if name not in READ_ONLY or change is None:
            continue
        page.goto(f"{live_server.url}{change}")
        assert page.locator(".submit-row input[type=submit], .submit-row button").count() == 0, change
        if name not in DELETABLE:
            assert page.locator("a.deletelink").count() == 0, change
        checked.append(name)
    assert {"putcodes_orciditem", "putcodes_syncrun", "invitations_invitation", "units_apiauditevent",
            "accounts_consentevent", "connections_connectionevent"} <= set(checked)
