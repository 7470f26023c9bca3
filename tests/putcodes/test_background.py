"""The researcher's own sync in the background (issue 14, CONTRACT §4): the request answers at
once with the run, one run at a time per researcher, and the outcome says per kind what
changed, or why nothing could be written and what to do."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from putcodes.models import SyncRun
from putcodes.outcome import Changes, kinds_in_words, outcome_words
from tests.fixtures.employments import EmploymentFactory
from tests.fixtures.works import UserFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.parametrize("per_kind, words", [
    ({"work": 1}, "1 work"),
    ({"work": 4, "employment": 1}, "4 works and 1 employment"),
    ({"funding": 2, "work": 1, "education": 1}, "1 work, 1 education entry and 2 funding items"),
    ({"work": 1234}, "1,234 works"),
])
def test_counts_per_kind_in_words_with_plurals(per_kind, words):
    assert kinds_in_words(per_kind) == words


def test_outcome_in_words():
    changes = Changes(added={"work": 4, "employment": 1}, removed={"work": 1})
    assert outcome_words(changes=changes, unavailable={}, paused=0) == (
        "4 works and 1 employment added to your ORCID record. 1 work removed from your ORCID record."
    )
    assert "up to date" in outcome_words(changes=Changes(), unavailable={}, paused=0)
    assert "1 item waits because its unit has paused" in outcome_words(changes=Changes(), unavailable={}, paused=1)
    assert "could not be reached" in outcome_words(changes=Changes(), unavailable={"work": 2}, paused=0)


def _sync_url(user):
    return reverse("api-researcher-sync", kwargs={"institutional_id": user.username})


@pytest.mark.django_db
def test_api_post_answers_202_at_once_then_get_shows_the_finished_counts(sync_env, client, background_runs):
    researcher, connection = sync_env.researcher(works=3)
    EmploymentFactory(researcher=researcher)
    client.force_login(researcher)
    response = client.post(_sync_url(researcher))
    assert response.status_code == 202
    run = response.json()
    assert run["state"] == "queued" and run["started_at"] is None
    assert sync_env.orcid_works(connection.orcid) == []  # the answer came before the run
    again = client.post(_sync_url(researcher))  # a second request joins the run
    assert again.status_code == 202 and again.json()["id"] == run["id"]
    background_runs.finish()
    latest = client.get(_sync_url(researcher)).json()
    assert latest["id"] == run["id"] and latest["state"] == "finished"
    assert latest["created"] == 4 and latest["failed_items"] == 0
    assert latest["message"] == "3 works and 1 employment added to your ORCID record."
    assert set(latest) == {"id", "state", "created", "updated", "deleted", "unchanged", "failed_items",
                           "started_at", "finished_at", "message"}


@pytest.mark.django_db
def test_api_reaches_only_the_researchers_own_id(client):
    researcher, other = UserFactory(), UserFactory()
    client.force_login(researcher)
    assert client.post(_sync_url(other)).status_code == 404
    assert client.get(_sync_url(researcher)).status_code == 404  # no run yet: JSON 404
    assert client.get(_sync_url(researcher)).json()["message"]


@pytest.mark.django_db
def test_a_sync_after_the_researcher_revoked_access_says_so_and_what_to_do(sync_env, client, background_runs):
    researcher, connection = sync_env.researcher(works=2)
    sync_env.simulator.researcher_revoke(connection.orcid)
    client.force_login(researcher)
    client.post(reverse("orcid-sync-now"))
    background_runs.finish()
    run = client.get(_sync_url(researcher)).json()
    assert run["state"] == "failed" and "Reconnect" in run["message"]
    # The researcher's own revocation is theirs to fix: no operator incident (a FAILED run).
    assert SyncRun.objects.get(researcher=researcher).status == SyncRun.Status.FINISHED
    page = client.get(reverse("dashboard")).content.decode()
    assert "record is up to date" not in page
    assert "The sync could not update your ORCID record." in page
    assert "access was revoked on ORCID" in page and "Reconnect your ORCID iD" in page


@pytest.mark.django_db
def test_a_sync_while_orcid_is_down_says_it_will_try_again(sync_env, client, background_runs):
    researcher, connection = sync_env.researcher(works=2)
    # 503 and 500 only: a 502/504 after a POST is an answer lost (the write may have happened).
    sync_env.simulator.set_faults(error_rate=1.0, error_statuses=[500, 503], methods=["POST"])
    client.force_login(researcher)
    client.post(_sync_url(researcher))
    background_runs.finish()
    run = client.get(_sync_url(researcher)).json()
    assert run["state"] == "failed"
    assert "ORCID could not be reached" in run["message"] and "2 works could not be written" in run["message"]


@pytest.mark.django_db
def test_a_locked_record_is_refused_before_any_call(sync_env, client, background_runs):
    researcher, connection = sync_env.researcher(works=1)
    connection.status = connection.Status.LOCKED
    connection.save()
    client.force_login(researcher)
    client.post(_sync_url(researcher))
    background_runs.finish()
    run = client.get(_sync_url(researcher)).json()
    assert run["state"] == "failed" and "locked your record" in run["message"]


@pytest.mark.django_db
def test_the_button_is_disabled_while_the_run_has_not_finished(sync_env, client, background_runs):
    researcher, _ = sync_env.researcher(works=1)
    client.force_login(researcher)
    client.post(reverse("orcid-sync-now"))
    page = client.get(reverse("works:list")).content.decode()
    assert 'id="sync-now-button" disabled' in page and "Refresh to see the outcome" in page
    background_runs.finish()
    page = client.get(reverse("works:list")).content.decode()
    assert 'id="sync-now-button" disabled' not in page and "1 work added to your ORCID record." in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_carries_the_run_out(sync_env, client, settings):
    """The production path without a broker: a thread of the web process (on a database that
    threads can see: PostgreSQL; the in-memory SQLite test database is not)."""
    from django.db import connection as db

    from putcodes.background import background_join

    if db.vendor == "sqlite" and db.is_in_memory_db():
        pytest.skip("threads cannot see the in-memory SQLite test database")
    settings.SYNC_NOW_THREADS = True
    researcher, connection = sync_env.researcher(works=2)
    client.force_login(researcher)
    assert client.post(_sync_url(researcher)).status_code == 202
    assert background_join(120)
    run = client.get(_sync_url(researcher)).json()
    assert run["state"] == "finished" and run["created"] == 2
    assert len(sync_env.orcid_works(connection.orcid)) == 2
