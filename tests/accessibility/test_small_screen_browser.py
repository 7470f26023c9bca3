"""On a phone (390 px wide) the first work of My works shows without scrolling past the page's
chrome (header, filters, bulk choices), with 2,000 works listed (issue 14)."""

from __future__ import annotations

import pytest

from tests.accessibility.test_axe_browser import WORKS, sign_in
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory
from works.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_viewport() -> dict:
    return {"width": 390, "height": 844}  # a current phone's CSS pixels


@pytest.mark.parametrize("connected", [False, True], ids=["not-connected", "connected"])
def test_first_work_is_visible_without_scrolling_on_a_phone(page, live_server, sync_env, connected):
    ada = sync_env.researcher(username="ada")[0] if connected else UserFactory(username="ada")
    library = UnitFactory(code="library", name="The University Library")
    Work.objects.bulk_create(WorkFactory.build_batch(WORKS, researcher=ada, unit=library))
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/works/")
    first = page.locator("tbody tr[id^=work-]").first
    box = first.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert page.evaluate("() => window.scrollY") == 0
    # The row starts on the first screen (and its title with it), and nothing runs off sideways.
    assert box["y"] + min(box["height"], 48) <= viewport["height"], (
        f"the first work starts {box['y']:.0f} px down a {viewport['height']} px screen"
    )
    assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"] + 1
