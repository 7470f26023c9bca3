"""Invitations in the admin: unit staff upload a file or pick users, see their unit's
invitations only, filter them and export them as CSV."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invitations.models import Invitation
from tests.fixtures.works import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def librarian(invite_env, client):
    staff = UserFactory(username="librarian", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="invitations"))
    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    invite_env.unit.staff.add(staff)
    client.force_login(staff)
    return client


def _upload(client, unit, text: str):
    upload = SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("admin:invitations_invitation_invite"), {"unit": unit.pk, "file": upload})


def test_staff_invite_by_upload_and_see_each_bad_row(librarian, invite_env, mailoutbox):
    page = _upload(librarian, invite_env.unit, "institutional_id,email,given_names,family_names\n"
                   "ada,ada@example.edu,Ada,Lovelace\nbob,nope,Bob,B\n")
    html = page.content.decode()
    assert page.status_code == 200 and "Invited 1, skipped 0, rejected 1" in html
    assert "not an email address" in html and len(mailoutbox) == 1


def test_staff_cannot_invite_for_another_unit(librarian, mailoutbox):
    other = UnitFactory(code="hr")
    page = _upload(librarian, other, "institutional_id,email\nada,ada@example.edu\n")
    assert "Select a valid choice" in page.content.decode()
    assert not Invitation.objects.exists() and not mailoutbox


def test_staff_see_their_units_invitations_only_and_export_them(librarian, invite_env, mailoutbox):
    invite_env.invite(invite_env.csv([("ada", "ada@example.edu", "Ada", "L")]))
    invite_env.invite(invite_env.csv([("zed", "zed@example.edu", "Zed", "Z")]), unit=UnitFactory(code="hr").code)
    changelist = reverse("admin:invitations_invitation_changelist")
    html = librarian.get(changelist, {"status__exact": "sent"}).content.decode()
    assert "ada@example.edu" in html and "zed@example.edu" not in html
    export = librarian.post(changelist, {"action": "export_csv",
                                         "_selected_action": list(Invitation.objects.values_list("pk", flat=True))})
    body = b"".join(export.streaming_content).decode()
    assert body.splitlines()[0].startswith("institutional_id,email,unit,status")
    assert "ada,ada@example.edu,library,sent" in body and "zed" not in body


def test_invite_selected_researchers_from_the_users_list(librarian, invite_env, mailoutbox):
    ada = UserFactory(username="ada", first_name="Ada", last_name="Lovelace", email="ada@example.edu")
    nomail = UserFactory(username="nomail", email="")
    users = reverse("admin:accounts_user_changelist")
    selected = [ada.pk, nomail.pk]
    confirm = librarian.post(users, {"action": "invite_selected_researchers", "_selected_action": selected})
    assert confirm.status_code == 200 and "Send the invitations" in confirm.content.decode()
    done = librarian.post(users, {"action": "invite_selected_researchers", "_selected_action": selected,
                                  "apply": "1", "unit": invite_env.unit.pk}, follow=True)
    shown = [str(m) for m in done.context["messages"]]
    assert "Invited 1, skipped 0, rejected 1, email failed 0." in shown
    assert any("nomail: rejected (no valid email address on file)" in m for m in shown)
    assert [m.to for m in mailoutbox] == [["ada@example.edu"]]
    assert Invitation.objects.get().given_names == "Ada"


def test_the_export_defuses_spreadsheet_formulas(librarian, invite_env, mailoutbox):
    invite_env.invite(invite_env.csv([("=cmd", "=cmd@example.edu", "X", "Y")]))
    changelist = reverse("admin:invitations_invitation_changelist")
    export = librarian.post(changelist, {"action": "export_csv",
                                         "_selected_action": list(Invitation.objects.values_list("pk", flat=True))})
    body = b"".join(export.streaming_content).decode()
    assert "'=cmd,'=cmd@example.edu,library,sent" in body
