"""The curation page in a real browser: keyboard only, the select-all box, approve."""

from __future__ import annotations

import pytest

from tests.fixtures.works import ResearcherFactory, WorkFactory
from works.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page.get_by_role("button", name="Add to my ORCID record", exact=True).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "3 works will be added to your ORCID record" in page.content()
    assert set(Work.objects.filter(researcher=ada).values_list("approved", flat=True)) == {True}
    assert Work.objects.get(pk=other.pk).approved is None
