import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from units.models import ApiKey, Unit
from units.services import api_key_authenticate

pytestmark = pytest.mark.django_db


def test_create_unit_creates_and_then_renames():
    out = io.StringIO()
    call_command("create_unit", "library", "--name", "University Library", stdout=out)
    assert "Created unit library" in out.getvalue()
    call_command("create_unit", "library", "--name", "Libraries", stdout=out)
    assert Unit.objects.get(code="library").name == "Libraries"
    assert Unit.objects.count() == 1


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash():
    call_command("create_unit", "hr", "--name", "Human Resources")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "hr", "--scopes", "works:curate,tokens:read", stdout=out, stderr=err)
    key = out.getvalue().strip()
    api_key = ApiKey.objects.get()
    assert api_key.scopes == ["tokens:read", "works:curate"]
    assert key.split("_", 2)[2] not in api_key.key_hash
    assert api_key_authenticate(key=key) == api_key
    assert "shown only now" in err.getvalue()


def test_create_api_key_for_an_unknown_unit_names_the_known_ones():
    call_command("create_unit", "library", "--name", "Library")
    with pytest.raises(CommandError, match="Known units: library"):
        call_command("create_api_key", "nope", "--scopes", "tokens:read")


def test_create_api_key_refuses_an_unknown_scope():
    call_command("create_unit", "library", "--name", "Library")
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("create_api_key", "library", "--scopes", "tokens:write")
    assert not ApiKey.objects.exists()


def test_revoke_api_key_stops_the_key():
    call_command("create_unit", "library", "--name", "Library")
    out = io.StringIO()
    call_command("create_api_key", "library", "--scopes", "tokens:read", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    call_command("revoke_api_key", key.split("_")[1], stdout=io.StringIO())
    assert api_key_authenticate(key=key) is None


def test_revoke_api_key_takes_the_label_create_api_key_printed():
    call_command("create_unit", "library", "--name", "Library")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", "library", "--scopes", "tokens:read", stdout=out, stderr=err)
    key = out.getvalue().strip()
    label = f"library:{key.split('_')[1]}"
    assert f"API key {label} " in err.getvalue()
    with pytest.raises(CommandError, match="No API key"):
        call_command("revoke_api_key", f"hr:{key.split('_')[1]}", stdout=io.StringIO())
    call_command("revoke_api_key", label, stdout=io.StringIO())
    assert api_key_authenticate(key=key) is None


def test_a_new_unit_writes_employment_without_asking_unless_told_to():
    call_command("create_unit", "hr", "--name", "Human Resources", stdout=io.StringIO())
    assert Unit.objects.get(code="hr").requires_approval is False
    call_command("create_unit", "medicine", "--name", "Medicine", "--requires-approval", stdout=io.StringIO())
    assert Unit.objects.get(code="medicine").requires_approval is True
    # Renaming alone keeps the unit's choice.
    call_command("create_unit", "medicine", "--name", "School of Medicine", stdout=io.StringIO())
    assert Unit.objects.get(code="medicine").requires_approval is True
