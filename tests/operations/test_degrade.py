"""Redis down: sign-in (tests/accounts/test_network.py), "sync now" and webhooks degrade to the
process and the database instead of answering 500."""

from __future__ import annotations

import pytest
from celery import Celery

from operations.cache import FallbackRedisCache
from orcid_portal.celery import PortalTask

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = DEAD_REDIS
    settings.CACHES = {"default": {"BACKEND": "operations.cache.FallbackRedisCache", "LOCATION": DEAD_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    yield settings


def test_the_cache_falls_back_to_process_memory():
    cache = FallbackRedisCache(DEAD_REDIS, {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.add("k", 1, timeout=30) is True
    assert cache.add("k", 2, timeout=30) is False  # still a debounce, per process
    assert cache.get("k") == 1
    cache.delete("k")
    assert cache.get("k") is None


def test_a_task_runs_in_process_when_the_broker_is_down():
    app = Celery("degrade-test", task_cls=PortalTask, broker=DEAD_REDIS)
    app.conf.task_publish_retry_policy = {"max_retries": 0}
    app.conf.broker_connection_timeout = 1

    @app.task
    def double(x):
        return 2 * x

    assert double.delay(21).get() == 42


@pytest.mark.django_db(transaction=True)
def test_sync_now_works_with_redis_down(client, sync_env, redis_down, background_runs):
    from putcodes.models import SyncRun

    researcher, connection = sync_env.researcher(works=2)
    client.force_login(researcher)
    response = client.post("/orcid/sync/", {"next": "/"})
    assert response.status_code == 302
    background_runs.finish()
    run = SyncRun.objects.get(researcher=researcher)
    assert run.status == SyncRun.Status.FINISHED, run.note
    assert len(sync_env.orcid_works(connection.orcid)) == 2


@pytest.mark.django_db(transaction=True)
def test_a_webhook_callback_is_answered_and_reconciled_with_redis_down(client, sync_env, webhooks_on, redis_down):
    from urllib.parse import urlsplit

    from putcodes.models import OrcidItem
    from webhooks.models import WebhookSubscription
    from webhooks.services import webhook_callback_url, webhook_register

    researcher, connection = sync_env.researcher(works=1)
    sync_env.sync()
    item = OrcidItem.objects.get(researcher=researcher)
    webhook_register(connection=connection)
    sync_env.simulator.researcher_delete(connection.orcid, item.put_code)

    url = webhook_callback_url(subscription=WebhookSubscription.objects.get(orcid=connection.orcid))
    response = client.post(urlsplit(url).path)
    assert response.status_code == 204
    item.refresh_from_db()
    assert item.state == "deleted_on_orcid"  # reconciled at once, in this process
