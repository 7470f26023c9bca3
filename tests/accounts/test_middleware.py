"""Sign-in through the SSO proxy's header (PORTAL_REMOTE_USER_HEADER)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


def test_the_header_signs_in_a_known_user(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    UserFactory(username="ada")
    response = client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada")
    assert response.status_code == 200
    assert response.context["user"].username == "ada"


def test_the_header_creates_the_user_on_first_sight(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    response = client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="Newcomer")
    assert response.status_code == 200
    user = get_user_model().objects.get(username="newcomer")
    assert not user.has_usable_password()
    assert not user.is_staff


def test_without_the_setting_the_header_is_not_trusted(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = ""
    UserFactory(username="ada")
    response = client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not get_user_model().objects.filter(username="mallory").exists()
    client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="mallory")
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_a_different_header_value_switches_the_signed_in_user(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada")
    response = client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="grace")
    assert response.context["user"].username == "grace"


def test_when_the_proxy_stops_sending_the_header_the_session_ends(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302


@pytest.mark.parametrize("value", ["x" * 151, "../../etc", "a,b", "ada smith", "", "ada\tb", "-ada"])
def test_a_header_value_that_is_not_an_institutional_id_is_refused_and_makes_no_account(client, settings, value):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    settings.DEBUG = False
    users_before = get_user_model().objects.count()
    response = client.get(reverse("dashboard"), HTTP_X_REMOTE_USER=value)
    assert response.status_code == 403
    assert get_user_model().objects.count() == users_before


def test_the_pattern_is_configurable(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTAL_REMOTE_USER_PATTERN = r"[a-z]{2,8}[0-9]*"
    assert client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada@example.edu").status_code == 403
    assert client.get(reverse("dashboard"), HTTP_X_REMOTE_USER="ada42").status_code == 200


def test_with_sso_password_sign_in_is_off(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTAL_BREAK_GLASS_LOGIN = False
    UserFactory(username="root", password="correct horse", is_staff=True, is_superuser=True)
    for path in (reverse("login"), "/admin/login/"):
        assert client.get(path).status_code == 403
        assert client.post(path, {"username": "root", "password": "correct horse"}).status_code == 403
    assert "_auth_user_id" not in client.session


def test_break_glass_keeps_password_sign_in_for_staff_only(client, settings):
    settings.PORTAL_REMOTE_USER_HEADER = "X-Remote-User"
    settings.PORTAL_BREAK_GLASS_LOGIN = True
    UserFactory(username="ada", password="correct horse")
    UserFactory(username="root", password="correct horse", is_staff=True, is_superuser=True)
    refused = client.post(reverse("login"), {"username": "ada", "password": "correct horse"})
    assert refused.status_code == 200 and "institutional login" in refused.content.decode()
    ok = client.post("/admin/login/", {"username": "root", "password": "correct horse", "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
