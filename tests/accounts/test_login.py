import pytest
from django.urls import reverse

from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_researcher_signs_in_with_their_institutional_id_and_lands_on_the_dashboard(client):
    UserFactory(username="ada", password="correct horse")
    response = _login(client, "ada", "correct horse")
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_wrong_password_says_so_plainly(client):
    UserFactory(username="ada", password="correct horse")
    response = _login(client, "ada", "wrong")
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()


def test_guessing_is_throttled_per_id_and_address_even_with_the_right_password(client):
    UserFactory(username="ada", password="correct horse")
    for _ in range(4):
        assert _login(client, "ada", "guess").status_code == 200
    # The fifth failure reaches the limit: its answer already says so (django-axes).
    assert _login(client, "ada", "guess").status_code == 429
    response = _login(client, "ada", "correct horse")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_throttle_does_not_lock_the_same_id_out_from_another_address(client):
    UserFactory(username="ada", password="correct horse")
    for _ in range(5):
        _login(client, "ada", "guess", ip="10.0.0.1")
    assert _login(client, "ada", "correct horse", ip="10.0.0.2").status_code == 302


def test_one_address_cannot_spray_guesses_over_many_ids(client, settings):
    settings.LOGIN_FAILURES_PER_IP = 8
    UserFactory(username="ada", password="correct horse")
    for n in range(8):
        _login(client, f"someone{n}", "guess", ip="10.9.9.9")
    assert _login(client, "ada", "correct horse", ip="10.9.9.9").status_code == 429


def test_a_successful_sign_in_clears_earlier_failures(client):
    UserFactory(username="ada", password="correct horse")
    for _ in range(4):
        _login(client, "ada", "guess")
    assert _login(client, "ada", "correct horse").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "ada", "guess")
    assert _login(client, "ada", "correct horse").status_code == 302


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_nobody_can_sign_up_or_use_allauths_own_login(client):
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/accounts/login/").status_code == 404
    assert client.get("/accounts/orcid/login/").status_code == 404


def test_the_admins_sign_in_page_is_throttled_as_well(client):
    """/admin/login/ takes the same passwords (staff's, the most valuable): no way around the throttle."""
    UserFactory(username="root", password="correct horse", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for attempt in range(5):
        response = client.post(admin_login, {"username": "root", "password": "guess"}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == (429 if attempt == 4 else 200)
    response = client.post(admin_login, {"username": "root", "password": "correct horse"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Failures on either page count for both.
    assert _login(client, "root", "correct horse").status_code == 429
    ok = client.post(admin_login, {"username": "root", "password": "correct horse", "next": "/admin/"},
                     REMOTE_ADDR="10.0.0.2")
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
