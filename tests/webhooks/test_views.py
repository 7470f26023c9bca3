"""webhooks/views.py: the callback endpoint answers fast, trusts only its URL, and debounces."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures.connections import orcid_id
from tests.fixtures.works import UserFactory
from webhooks.models import WebhookSubscription
from webhooks.services import webhook_callback_url

pytestmark = pytest.mark.django_db


class Queued(list):
    """The reconciles the endpoint queues (user ids), instead of running them."""

    countdowns: list
    trailing: list


@pytest.fixture
def queued(monkeypatch):
    calls = Queued()
    calls.countdowns, calls.trailing = [], []

    class FakeTask:
        @staticmethod
        def apply_async(args, countdown=None):
            calls.append(args[0])
            calls.countdowns.append(countdown)

        @staticmethod
        def apply(args):  # in-process: at once
            calls.append(args[0])
            calls.countdowns.append(0)

    monkeypatch.setattr("webhooks.tasks.researcher_reconcile_task", FakeTask)
    monkeypatch.setattr(
        "webhooks.services._trailing_reconcile_start",
        lambda *, orcid, user_id, delay: calls.trailing.append((user_id, delay)),
    )
    return calls


def subscription(**fields) -> WebhookSubscription:
    values = {"orcid": orcid_id(), "user": UserFactory(), "nonce": "n" * 32, "callback_base": "http://testserver",
              "state": WebhookSubscription.State.REGISTERED}
    values.update(fields)
    return WebhookSubscription.objects.create(**values)


def path_of(sub: WebhookSubscription) -> str:
    return webhook_callback_url(subscription=sub).removeprefix(sub.callback_base)


def test_a_registered_callback_answers_204_and_queues_one_reconcile(client, queued, webhooks_on, django_capture_on_commit_callbacks):
    sub = subscription()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(path_of(sub), data=b"", content_type="application/json")
    assert response.status_code == 204
    assert queued == [sub.user_id]
    sub.refresh_from_db()
    assert sub.callbacks == 1 and sub.last_callback_at is not None


def test_with_a_broker_a_burst_queues_one_reconcile_for_the_end_of_the_window(
    client, queued, webhooks_on, django_capture_on_commit_callbacks
):
    webhooks_on.CELERY_TASK_ALWAYS_EAGER = False
    webhooks_on.ORCID_WEBHOOK_DEBOUNCE_SECONDS = 30
    sub = subscription()
    with django_capture_on_commit_callbacks(execute=True):
        statuses = {client.post(path_of(sub)).status_code for _ in range(20)}
    assert statuses == {204}
    assert queued == [sub.user_id] and queued.countdowns == [30]
    assert queued.trailing == []


def test_in_process_a_burst_reconciles_now_and_once_more_when_the_window_ends(
    client, queued, webhooks_on, django_capture_on_commit_callbacks
):
    webhooks_on.CELERY_TASK_ALWAYS_EAGER = True
    webhooks_on.ORCID_WEBHOOK_DEBOUNCE_SECONDS = 30
    sub = subscription()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(20):
            client.post(path_of(sub))
    assert queued == [sub.user_id] and queued.countdowns == [0]
    (trailing,) = queued.trailing
    assert trailing[0] == sub.user_id and 0 < trailing[1] <= 30


def test_after_the_window_a_new_callback_queues_again(client, queued, webhooks_on, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    sub = subscription()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path_of(sub))
        cache.clear()  # the window ran out
        client.post(path_of(sub))
    assert queued == [sub.user_id, sub.user_id]


def test_a_guessed_token_is_a_404_and_queues_nothing(client, queued, webhooks_on):
    sub = subscription()
    url = reverse("webhook-callback", kwargs={"orcid": sub.orcid, "token": "0" * 64})
    assert client.post(url).status_code == 404
    other = subscription()
    # One iD's token does not open another iD's callback.
    token = path_of(sub).rstrip("/").rsplit("/", 1)[1]
    assert client.post(reverse("webhook-callback", kwargs={"orcid": other.orcid, "token": token})).status_code == 404
    assert queued == []


def test_an_unregistered_callback_is_a_404(client, queued, webhooks_on):
    sub = subscription(state=WebhookSubscription.State.UNREGISTERED)
    assert client.post(path_of(sub)).status_code == 404
    assert queued == []


def test_the_body_is_not_read_and_get_is_refused(client, queued, webhooks_on):
    sub = subscription()
    assert client.post(path_of(sub), data=b'{"orcid": "0000-0000-0000-0000", "delete": true}',
                       content_type="application/json").status_code == 204
    assert client.get(path_of(sub)).status_code == 405


def test_callback_urls_survive_a_secret_key_rotation(client, queued, webhooks_on, settings):
    sub = subscription()
    old_path = path_of(sub)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-0123456789"
    assert client.post(old_path).status_code == 204


def test_callback_urls_are_unguessable_and_differ_per_registration():
    user = UserFactory()
    first = subscription(user=user, nonce="a" * 32)
    url = webhook_callback_url(subscription=first)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) == 64 and first.orcid in url
    first.nonce = "b" * 32
    assert webhook_callback_url(subscription=first) != url
