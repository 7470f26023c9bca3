"""The sign-in throttle counts the client the trusted proxies forwarded (PORTAL_TRUSTED_PROXIES),
so behind the campus proxy one person's guesses do not lock everybody out."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.network import client_ip
from tests.fixtures.works import UserFactory

PROXY = "10.0.0.254"


def _ip(settings, remote, forwarded=None, proxies=(PROXY,)):
    settings.PORTAL_TRUSTED_PROXIES = list(proxies)
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


@pytest.mark.parametrize(
    "remote, forwarded, proxies, expected",
    [
        ("192.0.2.7", None, (), "192.0.2.7"),  # no proxy configured: the peer is the client
        ("192.0.2.7", "198.51.100.1", (), "192.0.2.7"),  # ... and its header is not believed
        (PROXY, "198.51.100.1", (PROXY,), "198.51.100.1"),
        (PROXY, "203.0.113.9, 198.51.100.1", (PROXY,), "198.51.100.1"),  # a client-written hop is ignored
        (PROXY, "198.51.100.1, 10.1.0.3", ("10.0.0.0/8",), "198.51.100.1"),  # two trusted hops
        ("192.0.2.7", "198.51.100.1", (PROXY,), "192.0.2.7"),  # not from the proxy: header ignored
        (PROXY, "not-an-address", (PROXY,), PROXY),
        (PROXY, "", (PROXY,), PROXY),
        (PROXY, "2001:db8::1", (PROXY,), "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_nearest_untrusted_hop(settings, remote, forwarded, proxies, expected):
    assert _ip(settings, remote, forwarded, proxies) == expected


@pytest.mark.django_db
def test_behind_the_proxy_one_clients_guesses_lock_out_only_that_client(client, settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    UserFactory(username="ada", password="correct horse")

    def login(password, forwarded):
        return client.post(reverse("login"), {"username": "ada", "password": password},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)

    for _ in range(5):
        login("guess", "198.51.100.66")
    assert login("correct horse", "198.51.100.66").status_code == 429
    # The same ID from another client behind the same proxy is not locked out.
    assert login("correct horse", "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_a_client_cannot_dodge_the_throttle_by_writing_x_forwarded_for(client, settings):
    settings.PORTAL_TRUSTED_PROXIES = [PROXY]
    UserFactory(username="ada", password="correct horse")
    for n in range(5):
        client.post(reverse("login"), {"username": "ada", "password": "guess"},
                    REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    response = client.post(reverse("login"), {"username": "ada", "password": "correct horse"},
                           REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert response.status_code == 429


@pytest.mark.django_db
def test_lockouts_are_listed_in_the_admin(client):
    from axes.models import AccessAttempt

    UserFactory(username="ada", password="correct horse")
    for _ in range(5):
        client.post(reverse("login"), {"username": "ada", "password": "guess"}, REMOTE_ADDR="192.0.2.1")
    attempt = AccessAttempt.objects.get(username="ada")
    assert attempt.failures_since_start == 5 and attempt.ip_address == "192.0.2.1"
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "ada" in page.content.decode()


@pytest.mark.django_db
def test_sign_in_works_with_redis_down(client, settings):
    """Failed attempts live in the database (axes) and sessions too: a dead cache server costs nothing."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}
    UserFactory(username="ada", password="correct horse")
    assert client.post(reverse("login"), {"username": "ada", "password": "guess"}).status_code == 200
    response = client.post(reverse("login"), {"username": "ada", "password": "correct horse"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200


def test_no_address_is_none_not_a_made_up_one(settings):
    settings.PORTAL_TRUSTED_PROXIES = []
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) is None
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="unix:/run/gunicorn.sock")) is None
