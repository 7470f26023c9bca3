"""The first tour the README promises a newcomer after `make run`, in real headless Chromium, on
the demo's own data and simulator records: sign in as ada, connect to the existing record, see
the work already there from Crossref, approve, "Sync with ORCID now", find the works with their
put-codes on the simulator's record page and in the admin; then delete one there, as a
researcher may, and see the next sync respect it."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.core.management import call_command

from demo.management.commands.run_demo import Command as RunDemo
from putcodes.models import OrcidItem
from works.eligibility import work_eligibility
from works.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Institutional ID").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_first_tour_of_the_demo(page, live_server, orcid_simulator, webhooks_on, background_runs):
    from playwright.sync_api import expect

    # As in `make run`: webhooks on (the portal's callback is the live server here).
    webhooks_on.PORTAL_BASE_URL = live_server.url
    webhooks_on.ORCID_WEBHOOK_DEBOUNCE_SECONDS = 1

    call_command("demo_data", stdout=io.StringIO())
    RunDemo(stdout=io.StringIO())._seed_simulator(orcid_simulator)
    ada_record = next(r for r in orcid_simulator.records() if r["name"] == "Ada Lovelace")
    base = live_server.url

    # Sign in and connect to the record the demo seeded for Ada.
    sign_in(page, base, "ada", "ada-demo")
    page.get_by_role("link", name="Connect your ORCID iD").click()
    page.get_by_role("button", name="Connect your ORCID iD").click()
    page.get_by_label("Sign in to an existing ORCID record").check()
    page.get_by_label("Existing record").select_option(ada_record["orcid"])
    page.get_by_role("button", name="Authorize access").click()
    expect(page.get_by_role("heading", name="Connected")).to_be_visible()

    # My works: a realistic mix, one already on the record from Crossref.
    page.get_by_role("link", name="My works").first.click()
    expect(page.get_by_text("Already on your ORCID record, from Crossref Metadata Search")).to_be_visible()
    expect(page.locator("tr[data-status=not_eligible]").first).to_be_visible()
    page.get_by_role("radio", name=re.compile(r"all \d+ works listed")).check()
    page.get_by_role("button", name="Add to my ORCID record").first.click()
    page.get_by_role("button", name=re.compile(r"^Yes, add \d+ works")).click()  # the confirmation step

    eligible = [w for w in Work.objects.filter(researcher__username="ada") if work_eligibility(w).eligible]
    assert eligible, "the demo gives ada eligible works"
    page.get_by_role("button", name="Sync with ORCID now").click()
    expect(page.get_by_role("button", name="Syncing with ORCID…")).to_be_disabled()  # the page answered first
    background_runs.finish()
    # The approved works (her employment from HR went on at connecting: it needs no approval in the demo).
    expect(page.get_by_text(f"{len(eligible)} works added to your ORCID record.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"On your ORCID record {len(eligible)}"))).to_be_visible()

    # The simulator's record page (where the iD link leads) lists them with their put-codes.
    on_orcid = OrcidItem.objects.filter(researcher__username="ada", state="on_orcid")
    assert on_orcid.filter(kind="work").count() == len(eligible)
    put_codes = set(on_orcid.values_list("put_code", flat=True))
    page.goto(f"{orcid_simulator.url}/{ada_record['orcid']}")
    for put_code in put_codes:
        expect(page.get_by_role("cell", name=str(put_code), exact=True)).to_be_visible()

    # The researcher deletes a work on ORCID; the portal learns it and does not add it again.
    deleted = min(on_orcid.filter(kind="work").values_list("put_code", flat=True))
    page.get_by_role("row").filter(has=page.get_by_role("cell", name=str(deleted), exact=True)) \
        .get_by_role("button", name="Delete").click()
    expect(page.get_by_text(f"Item {deleted} deleted.")).to_be_visible()
    # ORCID's webhook tells the portal, which reads the record and marks the item.
    wait_for(lambda: OrcidItem.objects.get(orcid=ada_record["orcid"], put_code=deleted).state == "deleted_on_orcid")
    page.goto(f"{base}/works/")
    expect(page.get_by_role("link", name=re.compile(r"You deleted it on ORCID 1"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Add it again"))).to_be_visible()
    call_command("orcid_sync", stdout=io.StringIO())
    items = orcid_simulator.record(ada_record["orcid"])["items"]
    assert deleted not in {item["put_code"] for item in items}
    assert len(items) == len(put_codes)  # Crossref's work, and ours but the deleted one

    # The admin shows the same put-codes.
    page.context.clear_cookies()
    sign_in(page, base, "admin", "admin-demo")
    page.goto(f"{base}/admin/putcodes/orciditem/?q={ada_record['orcid']}")
    for put_code in put_codes:
        expect(page.get_by_role("cell", name=str(put_code), exact=True).first).to_be_visible()
