"""The curation page /works/: each researcher sees and changes only their own works."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from putcodes.models import OrcidItem
from tests.fixtures.works import ResearcherFactory, UnitFactory, WorkFactory
from works.models import Work
from works.selectors import WorkStatus, status_q, work_orcid_status, works_for_researcher

pytestmark = pytest.mark.django_db


def ledger(work, *, state, put_code=None, message="", deleted_at=None):
    return OrcidItem.objects.create(
        unit=work.unit, researcher=work.researcher, orcid="0000-0002-1825-0097", kind="work", local_id=work.local_id,
        work=work, put_code=put_code, state=state, last_error_message=message, deleted_on_orcid_at=deleted_at,
    )


@pytest.fixture
def ada():
    return ResearcherFactory(username="ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def ada_client(ada):
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    return client


def csrf_token(client) -> str:
    page = client.get("/works/")
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_the_page_needs_sign_in(client):
    response = client.get("/works/")
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_a_researcher_sees_only_their_own_works(ada, ada_client):
    mine = WorkFactory(researcher=ada, title="Notes on the engine")
    other = WorkFactory(title="Somebody else's secret paper")
    page = ada_client.get("/works/").content.decode()
    assert "Notes on the engine" in page
    assert "secret paper" not in page
    assert ada_client.get(f"/works/{other.pk}/preview/").status_code == 404
    assert ada_client.get(f"/works/{mine.pk}/preview/").status_code == 200


def test_each_state_is_shown_with_why_or_what_orcid_said(ada, ada_client):
    unit = UnitFactory(name="University Library")
    WorkFactory(researcher=ada, unit=unit, title="Private memo", private=True)
    WorkFactory(researcher=ada, unit=unit, title="No identifier", no_identifier=True)
    WorkFactory(researcher=ada, unit=unit, title="Awaiting")
    WorkFactory(researcher=ada, unit=unit, title="Approved one", eligible=True)
    ledger(WorkFactory(researcher=ada, unit=unit, title="On ORCID", eligible=True), state="on_orcid", put_code=4242)
    ledger(WorkFactory(researcher=ada, unit=unit, title="Refused", eligible=True), state="error",
           message="Invalid external id type")
    approved_long_ago = WorkFactory(researcher=ada, unit=unit, title="Deleted by me", eligible=True,
                                    approved_at=timezone.now() - dt.timedelta(days=3))
    ledger(approved_long_ago, state="deleted_on_orcid", put_code=77, deleted_at=timezone.now() - dt.timedelta(days=1))
    page = ada_client.get("/works/").content.decode()
    assert "University Library has not marked it public." in page
    assert "It has no identifier of its own that ORCID accepts" in page
    assert "Waiting for your choice" in page
    assert "Will be added at the next sync" in page
    assert "On your ORCID record" in page
    assert "put-code" not in page and "4242" not in page  # researchers are not shown put-codes (issue 14)
    assert "ORCID said: Invalid external id type" in page
    assert "You deleted it on ORCID" in page
    assert "Add it again" in page


def test_bulk_approve_of_selected_works_with_csrf(ada, ada_client):
    first, second, third = WorkFactory.create_batch(3, researcher=ada)
    token = csrf_token(ada_client)
    response = ada_client.post("/works/", {"csrfmiddlewaretoken": token, "action": "approve", "scope": "selected",
                                           "work": [first.pk, second.pk]})
    assert response.status_code == 302
    assert [w.approved for w in Work.objects.order_by("pk")] == [True, True, None]
    assert Work.objects.get(pk=first.pk).approved_at is not None
    assert Work.objects.get(pk=first.pk).approved_by == "ada"
    assert "2 works will be added to your ORCID record" in ada_client.get(response["Location"]).content.decode()


def test_a_post_without_csrf_token_is_refused(ada, ada_client):
    work = WorkFactory(researcher=ada)
    response = ada_client.post("/works/", {"action": "approve", "work": [work.pk]})
    assert response.status_code == 403
    assert Work.objects.get(pk=work.pk).approved is None


def test_one_works_own_button_rejects_it(ada, ada_client):
    work = WorkFactory(researcher=ada, eligible=True)
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "reject_one": work.pk})
    assert Work.objects.get(pk=work.pk).approved is False


def test_approve_all_matching_the_filter(ada, ada_client):
    WorkFactory.create_batch(3, researcher=ada, journal_title="Nature of Things")
    WorkFactory(researcher=ada, journal_title="Other Journal")
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "action": "approve", "scope": "all",
                                "q": "nature of things", "status": "awaiting_approval", "confirmed": "yes"})
    assert Work.objects.filter(approved=True).count() == 3
    assert Work.objects.get(journal_title="Other Journal").approved is None


def test_another_researchers_works_cannot_be_changed_through_the_form(ada, ada_client):
    other = WorkFactory()
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "action": "approve", "work": [other.pk]})
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "approve_one": other.pk})
    assert Work.objects.get(pk=other.pk).approved is None


def test_filter_by_state_and_search_by_title_or_doi(ada, ada_client):
    WorkFactory(researcher=ada, title="Loops and branches", external_ids=[{"type": "doi", "value": "10.5555/loops", "relationship": "self"}])
    WorkFactory(researcher=ada, title="Private thing", private=True)
    page = ada_client.get("/works/?status=not_eligible").content.decode()
    assert "Private thing" in page and "Loops and branches" not in page
    assert "Loops and branches" in ada_client.get("/works/?q=loops").content.decode()
    assert "Loops and branches" in ada_client.get("/works/?q=https://doi.org/10.5555/LOOPS").content.decode()
    assert "Private thing" not in ada_client.get("/works/?q=loops").content.decode()


def test_preview_shows_exactly_what_is_written(ada, ada_client):
    work = WorkFactory(researcher=ada, title="Notes " * 300)
    page = ada_client.get(f"/works/{work.pk}/preview/").content.decode()
    assert "&quot;external-id-url&quot;" in page or '"external-id-url"' in page
    assert "&lt;work:work" in page
    assert "so it was shortened" in page


def test_the_page_runs_a_fixed_number_of_queries_whatever_the_count(ada, ada_client, django_assert_max_num_queries):
    unit = UnitFactory()

    def add(n, start):
        works = []
        for i in range(start, start + n):
            work = Work(unit=unit, researcher=ada, local_id=f"q-{i}", title=f"Work {i}", public=True,
                        external_ids=[{"type": "doi", "value": f"10.5555/q.{i}", "relationship": "self"}],
                        approved=True if i % 3 == 0 else None)
            work.refresh_derived_fields()
            works.append(work)
        Work.objects.bulk_create(works)
        for work in Work.objects.filter(unit=unit, local_id__in=[f"q-{i}" for i in range(start, start + n, 5)]):
            ledger(work, state="on_orcid", put_code=work.pk)

    # Connected, with the record's works in the cache (as after a first visit).
    from tests.fixtures.connections import OrcidConnectionFactory
    from works.selectors import _cache_key

    connection = OrcidConnectionFactory(user=ada)
    cache.set(_cache_key(connection.orcid), {"ok": True, "message": "", "other_sources": {"doi:10.5555/q.7": ["Crossref"]}})
    add(10, 0)
    with django_assert_max_num_queries(12) as small:
        assert ada_client.get("/works/").status_code == 200
    add(1990, 10)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = ada_client.get("/works/?page=3")
        assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert "of 2,000" in response.content.decode()
    print("queries per page:", len(large.captured_queries))
    assert "from Crossref" in ada_client.get("/works/?q=q-7").content.decode()


def test_the_sql_filter_agrees_with_the_status_rule(ada):
    """status_q (what the page filters and counts by) says the same as work_orcid_status."""
    now = timezone.now()
    combos = itertools.product([True, False], [True, False], [None, True, False],
                               [None, "pending", "on_orcid", "deleted_on_orcid", "error", "withdrawn"],
                               [None, "before", "after"])
    expected = {}
    for n, (public, has_id, approved, state, approved_when) in enumerate(combos):
        work = WorkFactory(researcher=ada, public=public, approved=approved,
                           external_ids=[{"type": "doi", "value": f"10.5555/c.{n}", "relationship": "self"}] if has_id else [],
                           approved_at=None if approved_when is None else now + dt.timedelta(hours=1 if approved_when == "after" else -1))
        item = ledger(work, state=state, put_code=n + 1, deleted_at=now) if state else None
        expected[work.pk] = work_orcid_status(work, item)
    for status in WorkStatus.ALL:
        got = set(works_for_researcher(researcher=ada).filter(status_q(status)).values_list("pk", flat=True))
        assert got == {pk for pk, s in expected.items() if s == status}, status


def test_a_record_that_cannot_be_read_does_not_break_the_page(settings):
    """ORCID unreachable: the page still lists the works and says it could not read the record."""
    from tests.fixtures.connections import OrcidConnectionFactory

    settings.ORCID_BASE_URL = settings.ORCID_API_URL = "http://127.0.0.1:9"  # nothing listens there
    cache.clear()
    ada = ResearcherFactory(username="ada")
    OrcidConnectionFactory(user=ada)
    WorkFactory(researcher=ada, title="Still listed")
    browser = Client()
    browser.force_login(ada)
    response = browser.get("/works/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Still listed" in page
    assert "We could not read your ORCID record just now" in page


def test_approving_again_after_a_deletion_on_orcid_makes_it_waiting_to_be_written(ada, ada_client):
    work = WorkFactory(researcher=ada, eligible=True, approved_at=timezone.now() - dt.timedelta(days=3))
    ledger(work, state="deleted_on_orcid", put_code=77, deleted_at=timezone.now() - dt.timedelta(days=1))
    assert 'data-status="deleted_on_orcid"' in ada_client.get("/works/").content.decode()
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "approve_one": work.pk})
    work.refresh_from_db()
    assert work.approved_at > timezone.now() - dt.timedelta(minutes=1)
    assert f'id="work-{work.pk}" data-status="pending"' in ada_client.get("/works/").content.decode()


def test_a_choice_about_all_works_asks_first_with_the_number_and_the_withdrawals(ada, ada_client):
    works = WorkFactory.create_batch(3, researcher=ada, eligible=True)
    ledger(works[0], state="on_orcid", put_code=11)
    ledger(works[1], state="on_orcid", put_code=12)
    response = ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "action": "reject",
                                           "scope": "all"})
    page = response.content.decode()
    assert response.status_code == 200 and "Keep all 3 works off your ORCID record?" in page
    assert "2 of them are on your ORCID record now and will be removed from it" in page
    assert Work.objects.filter(approved=False).count() == 0  # nothing changed yet
    ada_client.post("/works/", {"csrfmiddlewaretoken": csrf_token(ada_client), "action": "reject", "scope": "all",
                                "confirmed": "yes"})
    assert Work.objects.filter(approved=False).count() == 3


def test_the_preview_shows_the_work_as_orcid_lists_it_and_the_exact_body_behind_a_toggle(ada, ada_client):
    work = WorkFactory(researcher=ada, eligible=True, title="On computable numbers", journal_title="Proc. LMS",
                       contributors=[{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "role": "author"}])
    ledger(work, state="on_orcid", put_code=4242)
    page = ada_client.get(f"/works/{work.pk}/preview/").content.decode()
    assert '<h2 id="shown-title" class="orcid-work-title">On computable numbers</h2>' in page
    assert "Proc. LMS" in page and "Journal article" in page and "Ada Lovelace" in page
    doi = work.external_ids[0]["value"]
    assert f'href="https://doi.org/{doi}"' in page  # identifiers as links
    assert "<summary>Show what is sent to ORCID</summary>" in page and "&quot;external-id-value&quot;" in page
    assert "put-code" not in page and "4242" not in page
