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
