"""`make screenshots` (issue 14): the main pages of the README's tour, rendered by Debian's
headless Chromium (Playwright) on the demo's own data and simulator records, written as PNGs to
the directory PORTAL_SCREENSHOTS names (docs/screenshots/). Skipped in ordinary test runs."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from demo.management.commands.run_demo import Command as RunDemo
from works.models import Work

TARGET = os.environ.get("PORTAL_SCREENSHOTS", "")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not TARGET, reason="make screenshots sets PORTAL_SCREENSHOTS"),
]


def shoot(page, name: str, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(Path(TARGET) / f"{name}.png"), full_page=full_page)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Institutional ID").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_screenshots_of_the_main_pages(page, live_server, orcid_simulator, background_runs):
    from playwright.sync_api import expect

    Path(TARGET).mkdir(parents=True, exist_ok=True)
    call_command("demo_data", stdout=io.StringIO())
    RunDemo(stdout=io.StringIO())._seed_simulator(orcid_simulator)
    base = live_server.url

    page.goto(f"{base}/login/")
    shoot(page, "01-sign-in")
    sign_in(page, base, "ada", "ada-demo")
    shoot(page, "02-dashboard-not-connected")

    page.get_by_role("link", name="Connect your ORCID iD").first.click()
    shoot(page, "03-connect")
    page.get_by_role("button", name="Connect your ORCID iD").click()
    page.get_by_label("Sign in to an existing ORCID record").check()
    ada_record = next(r for r in orcid_simulator.records() if r["name"] == "Ada Lovelace")
    page.get_by_label("Existing record").select_option(ada_record["orcid"])
    page.get_by_role("button", name="Authorize access").click()
    expect(page.get_by_role("heading", name="Connected")).to_be_visible()
    background_runs.finish()
    page.goto(f"{base}/")
    shoot(page, "04-dashboard-connected")

    page.goto(f"{base}/works/")
    shoot(page, "05-my-works")
    page.get_by_role("radio", name=re.compile(r"all \d+ works listed")).check()
    page.get_by_role("button", name="Add to my ORCID record", exact=True).click()
    shoot(page, "06-confirm-all-works")
    page.get_by_role("button", name=re.compile(r"^Yes, add \d+ works")).click()

    page.get_by_role("button", name="Sync with ORCID now").click()
    expect(page.get_by_role("button", name="Syncing with ORCID…")).to_be_disabled()
    shoot(page, "07-sync-in-progress", full_page=False)
    background_runs.finish()
    expect(page.get_by_text(re.compile(r"added to your ORCID record\."))).to_be_visible(timeout=60_000)
    shoot(page, "08-sync-finished", full_page=False)

    work = Work.objects.filter(researcher__username="ada", orcid_item__state="on_orcid").order_by("id").first()
    page.goto(f"{base}/works/{work.pk}/preview/")
    shoot(page, "09-preview")
    page.get_by_text("Show what is sent to ORCID").click()
    shoot(page, "10-preview-what-is-sent")

    page.goto(f"{base}/")
    shoot(page, "11-dashboard-after-sync")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/works/")
    shoot(page, "12-my-works-phone", full_page=False)
