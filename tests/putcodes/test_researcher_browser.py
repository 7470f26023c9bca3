"""Issue 14's defects, each seen fixed in a real browser (Debian's Chromium through Playwright):
the sync answers at once and shows its progress and outcome; a revoked access is said, not
"up to date"; "all N works" asks first and Enter submits nothing; an expired session and a stale
tab lose no action silently; one vocabulary and no put-codes; nothing "will be added" after
disconnecting; the preview as ORCID shows it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from connections.models import OrcidConnection
from putcodes.models import OrcidItem, SyncRun
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import ResearcherFactory, WorkFactory
from works.models import Work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def sign_in(page, base: str, username: str, password: str = "password") -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_sync_now_answers_before_the_run_and_then_shows_the_finished_counts(
    page, live_server, sync_env, background_runs
):
    from playwright.sync_api import expect

    researcher, connection = sync_env.researcher(works=300)
    researcher.set_password("password")
    researcher.save()
    sync_env.simulator.set_faults(latency_ms=500)  # ORCID at half a second a call
    sign_in(page, live_server.url, researcher.username)
    page.goto(f"{live_server.url}/works/")
    page.get_by_role("button", name="Sync with ORCID now").click()
    # The page is back while the run has not finished (not a wall-clock threshold).
    expect(page.get_by_role("button", name="Syncing with ORCID…")).to_be_disabled()
    run = SyncRun.objects.get(researcher=researcher)
    assert run.finished_at is None and sync_env.orcid_works(connection.orcid) == []
    expect(page.get_by_role("link", name="Refresh to see the outcome")).to_be_visible()  # no-JS way
    background_runs.finish()
    # sync.js sees the run end and reloads: the outcome in words, the button usable again.
    expect(page.get_by_text("300 works added to your ORCID record.")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Sync with ORCID now")).to_be_enabled()
    assert len(sync_env.orcid_works(connection.orcid)) == 300


def test_a_sync_after_access_was_revoked_on_orcid_says_so(page, live_server, sync_env, background_runs):
    from playwright.sync_api import expect

    researcher, connection = sync_env.researcher(works=2)
    researcher.set_password("password")
    researcher.save()
    sync_env.simulator.researcher_revoke(connection.orcid)
    sign_in(page, live_server.url, researcher.username)
    page.get_by_role("button", name="Sync with ORCID now").click()
    background_runs.finish()
    page.reload()
    expect(page.get_by_text("The sync could not update your ORCID record.")).to_be_visible()
    expect(page.get_by_text(re.compile("access was revoked on ORCID"))).to_be_visible()
    assert "record is up to date" not in page.content()


def test_all_works_asks_first_and_enter_in_the_choice_group_submits_nothing(page, live_server):
    from playwright.sync_api import expect

    ada = ResearcherFactory(username="ada")
    WorkFactory.create_batch(3, researcher=ada)
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/works/")
    everything = page.get_by_role("radio", name=re.compile(r"all 3 works listed"))
    everything.check()
    everything.press("Enter")
    page.wait_for_timeout(1000)  # a submission would have navigated by now; none may happen

    assert page.url == f"{live_server.url}/works/"
    assert not Work.objects.filter(approved__isnull=False).exists()
    page.get_by_role("button", name="Keep off my ORCID record", exact=True).first.click()
    expect(page.get_by_role("heading", name="Keep all 3 works off your ORCID record?")).to_be_visible()
    assert not Work.objects.filter(approved__isnull=False).exists()
    page.get_by_role("button", name="Yes, keep 3 works off").click()
    expect(page.get_by_text("3 works will be kept off your ORCID record")).to_be_visible()
    assert set(Work.objects.values_list("approved", flat=True)) == {False}


def test_an_expired_session_says_the_action_was_not_saved_and_comes_back_to_the_filter(page, live_server):
    from playwright.sync_api import expect

    ada = ResearcherFactory(username="ada")
    work = WorkFactory(researcher=ada, title="Notes on the analytical engine")
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/works/?status=awaiting_approval")
    page.context.clear_cookies(name="sessionid")  # the session expired while the page was open
    page.get_by_role("button", name=re.compile(r"^Add to my ORCID record \(Notes")).click()
    expect(page.get_by_text("Your session had expired, so your last action was not saved.")).to_be_visible()
    assert Work.objects.get(pk=work.pk).approved is None
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", "password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My works")).to_be_visible()
    assert page.url.endswith("/works/?status=awaiting_approval")


def test_a_stale_tab_gets_the_portals_page_with_a_way_back(page, live_server):
    from playwright.sync_api import expect

    ada = ResearcherFactory(username="ada")
    WorkFactory(researcher=ada, title="Sketch of the engine")
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/works/?q=engine")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_role("button", name=re.compile(r"^Add to my ORCID record \(Sketch")).click()
    expect(page.get_by_role("heading", name="The form had expired: nothing was saved")).to_be_visible()
    assert "CSRF verification failed" not in page.content()
    page.get_by_role("link", name="Go back to the page and try again").click()
    assert page.url.endswith("/works/?q=engine")


def test_one_vocabulary_no_put_codes_and_nothing_will_be_added_after_disconnecting(page, live_server):
    from playwright.sync_api import expect

    ada = ResearcherFactory(username="ada")
    work = WorkFactory(researcher=ada, eligible=True)
    OrcidItem.objects.create(unit=work.unit, researcher=ada, orcid="0000-0002-1825-0097", kind="work",
                             local_id=work.local_id, work=work, put_code=1011, state="on_orcid")
    job = EmploymentFactory(researcher=ada, role_title="Lecturer")
    OrcidItem.objects.create(unit=job.unit, researcher=ada, orcid="0000-0002-1825-0097", kind="employment",
                             local_id=job.local_id, employment=job, put_code=1012, state="withdrawn")
    from tests.fixtures.connections import OrcidConnectionFactory

    OrcidConnectionFactory(user=ada, status=OrcidConnection.Status.DISCONNECTED)
    sign_in(page, live_server.url, "ada")
    employment = page.locator("#employment")
    expect(employment.get_by_text("Not on your ORCID record: connect your ORCID iD to add it")).to_be_visible()
    assert "Will be added" not in employment.inner_text()
    page.goto(f"{live_server.url}/works/")
    text = page.locator("main").inner_text()
    assert "put-code" not in text and "1011" not in text
    expect(page.get_by_role("button", name="Add to my ORCID record", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Keep off my ORCID record", exact=True)).to_be_visible()
    for old in ("Approve for ORCID", "Put it on ORCID", "Not on ORCID", "Reject"):
        assert old not in text


def test_the_preview_looks_like_orcids_record_with_the_body_behind_a_toggle(page, live_server):
    from playwright.sync_api import expect

    ada = ResearcherFactory(username="ada")
    work = WorkFactory(researcher=ada, eligible=True, title="Sketch of the analytical engine")
    sign_in(page, live_server.url, "ada")
    page.goto(f"{live_server.url}/works/{work.pk}/preview/")
    expect(page.get_by_role("heading", name="Sketch of the analytical engine")).to_be_visible()
    doi = work.external_ids[0]["value"]
    expect(page.get_by_role("link", name=doi)).to_have_attribute("href", f"https://doi.org/{doi}")
    body = page.locator("pre.work-preview").first
    expect(body).to_be_hidden()  # the raw body waits behind the toggle
    page.get_by_text("Show what is sent to ORCID").click()
    expect(body).to_be_visible()
