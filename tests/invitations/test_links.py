"""Each refused link: altered, made up, expired, already used, someone else's. The page says
why, names SUPPORT_EMAIL, and nothing happens (no OAuth start, no state change)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from invitations.models import Invitation
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(invite_env, mailoutbox, settings):
    settings.SUPPORT_EMAIL = "help@example.edu"
    UserFactory(username="ada")
    invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    return invite_env.link_path(mailoutbox[0])


def _as(username: str) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(UserFactory(username=username))
    return client


def _refused(response, status: int, words: str) -> None:
    html = response.content.decode()
    assert response.status_code == status
    assert words in html and "help@example.edu" in html
    assert "<form" not in html.split("<main", 1)[1]  # no way on to ORCID


@pytest.mark.parametrize("change", [
    lambda link: link[:-3] + "x/",                               # signature altered
    lambda link: link.replace("/invitations/", "/invitations/A"),  # link id altered
    lambda link: "/invitations/not-a-token/",                   # made up
])
def test_an_altered_or_made_up_link_is_refused(invited, change):
    client = _as("ada")
    _refused(client.get(change(invited)), 404, "not valid")
    _refused(client.post(change(invited)), 404, "not valid")
    assert Invitation.objects.get().status == "sent"


def test_someone_elses_link_is_refused_and_changes_nothing(invited):
    client = _as("mallory")
    _refused(client.get(invited), 403, "for someone else")
    _refused(client.post(invited), 403, "for someone else")
    invitation = Invitation.objects.get()
    assert invitation.status == "sent" and invitation.opened_at is None


def test_an_expired_link_is_refused_and_recorded_expired(invited):
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _refused(_as("ada").get(invited), 410, "has expired")
    assert Invitation.objects.get().status == "expired"


def test_a_used_link_is_refused(invited):
    from invitations import states

    states.mark_connected(Invitation.objects.get())
    _refused(_as("ada").get(invited), 410, "already used")


def test_the_link_asks_to_sign_in_first(invited):
    response = Client().get(invited)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Invitation.objects.get().status == "sent"


def test_the_institutional_id_matches_whatever_its_case(invite_env, mailoutbox):
    UserFactory(username="Grace")
    invite_env.invite(invite_env.csv([("GRACE", "grace@example.edu", "Grace", "Hopper")]))
    client = Client()
    client.force_login(UserFactory(username="Grace"))
    assert client.get(invite_env.link_path(mailoutbox[0])).status_code == 200


def test_the_link_is_stored_only_as_a_hash(invited):
    invitation = Invitation.objects.get()
    token = invited.split("/")[2]
    for value in Invitation.objects.values_list(flat=False).get():
        assert token not in str(value)
    assert invitation.token_hash != token
