import pytest
from rest_framework.test import APIRequestFactory

from tests.fixtures.works import UnitFactory
from units.authentication import ScopeRequired, UnitApiKeyAuthentication
from units.services import api_key_create

pytestmark = pytest.mark.django_db


def _request(header):
    from rest_framework.request import Request

    return Request(APIRequestFactory().get("/api/v1/x", HTTP_AUTHORIZATION=header))


def test_a_valid_key_authenticates_as_its_unit():
    issued = api_key_create(unit=UnitFactory(code="library"), scopes=["tokens:read"])
    user, api_key = UnitApiKeyAuthentication().authenticate(_request(f"Bearer {issued.key}"))
    assert api_key == issued.api_key and user.is_authenticated
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer op_00000000_wrong", "Bearer nonsense", "Basic abc", "Bearer"])
def test_a_bad_key_is_refused(header):
    from rest_framework.exceptions import AuthenticationFailed

    api_key_create(unit=UnitFactory(), scopes=["tokens:read"])
    with pytest.raises(AuthenticationFailed):
        UnitApiKeyAuthentication().authenticate(_request(header))


def test_a_key_passes_a_view_needing_any_of_its_scopes():
    issued = api_key_create(unit=UnitFactory(), scopes=["works:curate"])
    request = _request(f"Bearer {issued.key}")
    request.user, request.auth = UnitApiKeyAuthentication().authenticate(request)

    class View:
        required_scopes = ["tokens:read", "works:curate"]

    class Narrow:
        required_scope = "tokens:read"

    assert ScopeRequired().has_permission(request, View())
    assert not ScopeRequired().has_permission(request, Narrow())
