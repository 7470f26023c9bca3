"""The curation page in a real browser: keyboard only, the select-all box, approve."""

from __future__ import annotations

import os

import pytest

from tests.fixtures.works import ResearcherFactory, WorkFactory
from works.models import Work

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed"),
]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django must not think it is in async code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser.new_page()
        browser.close()


def sign_in(page, live_server, username, password="password"):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_select_all_and_approve_with_the_keyboard(page, live_server):
    ada = ResearcherFactory(username="ada")
    WorkFactory.create_batch(3, researcher=ada)
    other = WorkFactory()
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server.url}/works/")
    select_all = page.locator("#select-page")
    assert select_all.is_visible()
    select_all.focus()
    page.keyboard.press("Space")
    assert page.locator('input[name="work"]:checked').count() == 3
    page.get_by_role("button", name="Approve for ORCID").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Approved 3 work(s)" in page.content()
    assert set(Work.objects.filter(researcher=ada).values_list("approved", flat=True)) == {True}
    assert Work.objects.get(pk=other.pk).approved is None
