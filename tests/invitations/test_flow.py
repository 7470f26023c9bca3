"""The invitation journey over real HTTP against the ORCID simulator and Django's mail outbox:
invite, follow the email's link, sign in as the invitee, go to ORCID pre-filled, consent, and
find the invitation connected and the items on the record, without running orcid_sync."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from connections import adapters
from connections.models import OrcidConnection
from invitations.models import Invitation
from invitations.signals import MESSAGE_CHANGE_YOUR_MIND
from tests.fixtures.works import UserFactory, WorkFactory

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1"  # the simulator's demo client accepts redirect URIs on 127.0.0.1 only


def _consent(simulator, authorize_url: str, *, action: str = "authorize") -> str:
    params = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    form = {k: params[k] for k in ("client_id", "response_type", "scope", "redirect_uri", "state")}
    form.update(action=action, account="new", given_names=params.get("given_names", ""),
                family_name=params.get("family_names", ""))
    answer = requests.post(f"{simulator.url}/oauth/authorize", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    return f"{location.path}?{location.query}"


@pytest.fixture
def ada(invite_env):
    user = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", email="")
    WorkFactory(researcher=user, unit=invite_env.unit, eligible=True)
    WorkFactory(researcher=user, unit=invite_env.unit, eligible=True)
    return user


def test_invitation_to_connected_with_items_on_orcid(invite_env, ada, sync_env, mailoutbox,
                                                     django_capture_on_commit_callbacks, settings):
    settings.SUPPORT_EMAIL = "help@example.edu"
    out = invite_env.invite(invite_env.csv([("ADA", "ada.lovelace@example.edu", "Ada", "Lovelace")]))
    assert "line 2: ada: invited" in out and "invited=1 skipped=0 rejected=0 failed=0" in out
    [email] = mailoutbox
    assert email.to == ["ada.lovelace@example.edu"] and email.from_email == settings.DEFAULT_FROM_EMAIL
    for body in (email.body, email.alternatives[0][0]):
        assert "The University Library" in body and "help@example.edu" in body and "2 on file" in body
    invitation = Invitation.objects.get()
    assert invitation.status == "sent" and invitation.sent_at
    link = invite_env.link_path(email)
    assert link.split("/")[2] not in (invitation.token_hash, invitation.link_id)  # the token is not stored

    browser = Client(HTTP_HOST=HOST)
    assert browser.get(link)["Location"].startswith(reverse("login"))  # sign in first
    browser.force_login(ada)
    page = browser.get(link)
    assert page.status_code == 200 and "Connect your ORCID iD" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "opened" and invitation.opened_at

    authorize = browser.post(link)["Location"]
    assert authorize.startswith(f"{sync_env.url}/oauth/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["given_names"] == ["Ada"] and query["family_names"] == ["Lovelace"]
    assert query["email"] == ["ada.lovelace@example.edu"]

    callback = _consent(sync_env.simulator, authorize)
    with django_capture_on_commit_callbacks(execute=True):
        landed = browser.get(callback, follow=True)
    assert landed.redirect_chain[-1][0] == reverse("dashboard")
    connection = OrcidConnection.objects.get(user=ada)
    assert connection.status == "active"
    invitation.refresh_from_db()
    assert invitation.status == "connected" and invitation.connected_at
    assert len(sync_env.orcid_works(connection.orcid)) == 2  # the first sync ran on connect

    # The link is spent now; inviting again sends nothing.
    assert browser.get(link).status_code == 410
    again = invite_env.invite(invite_env.csv([("ada", "ada.lovelace@example.edu", "Ada", "Lovelace")]))
    assert "line 2: ada: skipped (already connected" in again
    assert len(mailoutbox) == 1


def test_denying_on_orcid_marks_the_invitation_declined_and_the_link_still_offers_to_connect(
        invite_env, ada, orcid_simulator, mailoutbox):
    invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    link = invite_env.link_path(mailoutbox[0])
    browser = Client(HTTP_HOST=HOST)
    browser.force_login(ada)
    browser.get(link)
    callback = _consent(orcid_simulator, browser.post(link)["Location"], action="deny")
    landed = browser.get(callback, follow=True)
    shown = [str(m) for m in landed.context["messages"]]
    assert sorted(shown) == sorted([adapters.MESSAGE_DENIED, MESSAGE_CHANGE_YOUR_MIND])
    assert Invitation.objects.get().status == "declined"
    page = browser.get(link).content.decode()
    assert "you can change your mind" in page
    assert Invitation.objects.get().status == "opened"
