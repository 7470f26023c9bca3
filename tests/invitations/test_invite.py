"""invite_researchers: one email each, skips and rejections named per line, refused emails
recorded as failed, the ORCID inbox for a known iD."""

from __future__ import annotations

import pytest
from django.core.management import CommandError

from invitations.models import Invitation
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.works import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bad_rows_are_named_by_line_and_the_good_ones_invited(invite_env, mailoutbox):
    path = invite_env.csv([
        ("ada", "ada@example.edu", "Ada", "Lovelace"),
        ("bob", "not-an-address", "Bob", "B"),
        ("ada", "ada2@example.edu", "Ada", "Again"),
        ("", "nobody@example.edu", "", ""),
        ("cy", "cy@example.edu", "Cy", "C", "library", "extra"),
        ("dee", "dee@example.edu", "Dee", "D", "hr"),
        ("eve", "eve@example.edu", "Eve", "E", "library"),
    ], header=("institutional_id", "email", "given_names", "family_names", "unit"))
    out = invite_env.invite(path)
    lines = out.splitlines()
    assert lines[:-1] == [
        "line 2: ada: invited",
        "line 3: bob: rejected (not an email address: 'not-an-address')",
        "line 4: ada: rejected (the same person as line 2)",
        "line 5: -: rejected (no institutional_id)",
        "line 6: cy: rejected (6 cells but 5 columns)",
        "line 7: dee: rejected (a person of unit hr, not library)",
        "line 8: eve: invited",
    ]
    assert lines[-1] == "invited=2 skipped=0 rejected=5 failed=0"
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.edu", "eve@example.edu"]


def test_unknown_columns_are_reported_on_line_one(invite_env, mailoutbox):
    out = invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "x")],
                                           header=("institutional_id", "email", "office")))
    assert "line 1: -: rejected (unknown column(s) office: their cells are ignored)" in out
    assert "line 2: ada: invited" in out and len(mailoutbox) == 1


def test_a_file_without_the_required_columns_is_an_error(invite_env, mailoutbox):
    with pytest.raises(CommandError, match="lacks the column"):
        invite_env.invite(invite_env.csv([("ada",)], header=("institutional_id",)))
    assert not mailoutbox


def test_an_unknown_unit_names_the_known_ones(invite_env):
    with pytest.raises(CommandError, match="Known units: library"):
        invite_env.invite(invite_env.csv([]), unit="nope")


def test_connected_and_already_invited_people_are_skipped_with_the_reason(invite_env, mailoutbox):
    OrcidConnectionFactory(user=UserFactory(username="ada"), orcid="0000-0002-1825-0097")
    invite_env.invite(invite_env.csv([("bob", "bob@example.edu", "Bob", "B")]))
    other = UnitFactory(code="hr")
    out = invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "L"), ("bob", "bob@example.edu", "B", "B")]),
                            unit=other.code)
    assert "line 2: ada: skipped (already connected (0000-0002-1825-0097))" in out
    assert "line 3: bob: skipped (already invited on" in out and "by library (sent))" in out
    assert len(mailoutbox) == 1


def test_an_expired_invitation_does_not_stop_a_new_one(invite_env, mailoutbox):
    import datetime as dt

    from django.utils import timezone

    invite_env.invite(invite_env.csv([("bob", "bob@example.edu", "Bob", "B")]))
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert "line 2: bob: invited" in invite_env.invite(invite_env.csv([("bob", "bob@example.edu", "Bob", "B")]))
    assert sorted(Invitation.objects.values_list("status", flat=True)) == ["expired", "sent"]
    assert mailoutbox[0].body != mailoutbox[1].body  # a new link


def test_a_refused_email_is_recorded_failed_and_the_run_goes_on(invite_env, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.fixtures.invitations.RefusingBackend"
    out = invite_env.invite(invite_env.csv([("ada", "ada@refused.example", "Ada", "L"),
                                            ("bob", "bob@example.edu", "Bob", "B")]))
    assert "line 2: ada: failed (the mail server refused: SMTPRecipientsRefused" in out
    assert "line 3: bob: invited" in out and out.splitlines()[-1].endswith("failed=1")
    ada = Invitation.objects.get(institutional_id="ada")
    assert ada.status == "failed" and ada.sent_at is None and "mailbox unavailable" in ada.last_error
    assert [m.to for m in mailoutbox] == [["bob@example.edu"]]


def test_the_email_says_who_asks_why_what_and_where_to_get_help(invite_env, mailoutbox, settings):
    settings.SUPPORT_EMAIL = "orcid-help@example.edu"
    settings.INSTITUTION_NAME = "Example University"
    invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    [email] = mailoutbox
    assert "Example University" in email.subject
    html = email.alternatives[0][0]
    assert email.alternatives[0][1] == "text/html"
    for body in (email.body, html):
        for words in ("Dear Ada Lovelace", "The University Library", "Why:", "What will be written",
                      "orcid-help@example.edu", "/invitations/", "employment at Example University"):
            assert words.replace(":", "") in body.replace("<strong>", "").replace("</strong>", "").replace(":", "")


def test_a_known_id_also_gets_the_invitation_in_its_orcid_inbox(invite_env, orcid_simulator, mailoutbox):
    record = orcid_simulator.create_record(name="Ada Lovelace")
    OrcidConnectionFactory(user=UserFactory(username="ada"), orcid=record["orcid"], revoked=True)
    out = invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "Lovelace")]))
    calls = [c for c in orcid_simulator.calls() if "notification-permission" in c["path"]]
    assert [c["method"] for c in calls] == ["POST"]
    invitation = Invitation.objects.get()
    assert f"also in the ORCID inbox of {record['orcid']}" in out
    assert invitation.orcid_notified == record["orcid"] and invitation.orcid_notification_put_code
    assert record["orcid"] in mailoutbox[0].body
    [notice] = orcid_simulator.record(record["orcid"])["notifications"]
    assert notice["put_code"] == invitation.orcid_notification_put_code
    assert "The University Library" in notice["intro"] and notice["items"][0]["type"] == "employment"
    # ORCID's "grant permission" sends them through consent back to their personal link.
    assert invite_env.link_path(mailoutbox[0]).replace("/", "%2F") in notice["authorization_url"]
