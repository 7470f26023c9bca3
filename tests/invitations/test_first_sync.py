"""The first sync on connect: every connect and reconnect writes the researcher's eligible items
at once (in-process without a broker; one queued task per researcher with one)."""

from __future__ import annotations

import pytest

from connections.services import connection_connect, connection_mark_revoked
from putcodes.models import SyncRun
from tests.fixtures.works import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db


def _connect(user, record):
    return connection_connect(user=user, orcid=record["orcid"], name="Ada", access_token=record["access_token"],
                              refresh_token=record["refresh_token"], expires_at=None,
                              scopes=["/activities/update", "/read-limited"])


def test_connecting_and_reconnecting_write_the_items_at_once(sync_env, django_capture_on_commit_callbacks):
    ada = UserFactory(username="ada")
    WorkFactory(researcher=ada, eligible=True)
    record = sync_env.new_record()
    with django_capture_on_commit_callbacks(execute=True):
        connection = _connect(ada, record)
    assert len(sync_env.orcid_works(record["orcid"])) == 1
    assert SyncRun.objects.get().triggered_by == "first sync on connect"

    connection_mark_revoked(connection=connection, reason="test")
    WorkFactory(researcher=ada, eligible=True)
    with django_capture_on_commit_callbacks(execute=True):
        _connect(ada, record)
    assert len(sync_env.orcid_works(record["orcid"])) == 2
    sync_env.assert_ledger_equals_orcid(ada, record["orcid"])


def test_nothing_is_synced_before_the_connection_commits(sync_env, django_capture_on_commit_callbacks):
    ada = UserFactory(username="ada")
    WorkFactory(researcher=ada, eligible=True)
    record = sync_env.new_record()
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        _connect(ada, record)
    assert waiting and sync_env.orcid_works(record["orcid"]) == []


def test_with_a_broker_the_first_sync_is_a_queued_task(sync_env, settings, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    from putcodes import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.researcher_sync_task, "delay", lambda *args: queued.append(args))
    ada = UserFactory(username="ada")
    with django_capture_on_commit_callbacks(execute=True):
        _connect(ada, sync_env.new_record())
    assert [args[0] for args in queued] == [ada.pk]
