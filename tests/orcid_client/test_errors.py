"""ORCID's error answers become the typed errors callers act on, and never carry a token."""

import json
import pickle

import pytest

from orcid_client import errors

TOKEN = "1c2f6a0e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"


def orcid_json_error(status, code, developer, user="Something went wrong"):
    return {
        "response-code": status,
        "developer-message": developer,
        "user-message": user,
        "error-code": code,
        "more-info": "https://members.orcid.org/api/resources/troubleshooting",
    }


def orcid_xml_error(status, code, developer):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<error:error xmlns:error="http://www.orcid.org/ns/error">
  <error:response-code>{status}</error:response-code>
  <error:developer-message>{developer}</error:developer-message>
  <error:user-message>There was an error</error:user-message>
  <error:error-code>{code}</error:error-code>
  <error:more-info>https://members.orcid.org/api/resources/troubleshooting</error:more-info>
</error:error>""".encode()


DUPLICATE_MESSAGE = (
    "409 Conflict: You have already added this activity (matched by external identifiers), please see "
    "element with put-code 4711. If you are trying to edit the item, please use PUT instead of POST."
)


@pytest.mark.parametrize(
    "status, code, expected",
    [
        (400, 9001, errors.Invalid),
        (400, 9037, errors.Invalid),
        (401, 9017, errors.TokenRevoked),
        (403, 9038, errors.InsufficientScope),
        (403, 9010, errors.NotSource),
        (403, 9035, errors.VisibilityChange),
        (403, 9014, errors.Forbidden),
        (404, 9016, errors.NotFound),
        (409, 9021, errors.Duplicate),
        (409, 9018, errors.RecordLocked),
        (409, 9044, errors.RecordDeactivated),
        (409, 9036, errors.RecordNotClaimed),
        (409, 9007, errors.RecordDeprecated),
        (301, 9007, errors.RecordDeprecated),
        (409, 9999, errors.Conflict),
        (500, 9008, errors.Unavailable),
        (503, None, errors.RateLimited),
    ],
)
def test_orcid_error_codes_map_to_their_class(status, code, expected):
    error = errors.error_from_fields(status, orcid_json_error(status, code, "message"))
    assert type(error) is expected
    assert error.status == status
    assert error.error_code == code


def test_duplicate_carries_the_existing_put_code_from_json_and_xml():
    from_json = errors.error_from_fields(409, orcid_json_error(409, 9021, DUPLICATE_MESSAGE))
    from_xml = errors.error_from_fields(
        409, errors.parse_error_body(orcid_xml_error(409, 9021, DUPLICATE_MESSAGE), "application/vnd.orcid+xml")
    )
    assert isinstance(from_json, errors.Duplicate) and from_json.put_code == 4711
    assert isinstance(from_xml, errors.Duplicate) and from_xml.put_code == 4711


def test_duplicate_without_a_put_code_in_the_message_has_none():
    error = errors.error_from_fields(409, orcid_json_error(409, 9021, "409 Conflict: duplicate"))
    assert isinstance(error, errors.Duplicate)
    assert error.put_code is None


def test_invalid_keeps_orcids_developer_message():
    error = errors.error_from_fields(400, orcid_json_error(400, 9037, "Invalid work type"))
    assert "Invalid work type" in str(error)
    assert error.user_message == "Something went wrong"


def test_a_token_echoed_in_a_401_body_is_never_kept():
    body = f'{{"error":"invalid_token","error_description":"Invalid access token: {TOKEN}"}}'.encode()
    error = errors.error_from_fields(401, errors.parse_error_body(body, "application/json"))
    assert isinstance(error, errors.TokenRevoked)
    assert error.oauth_error == "invalid_token"
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert TOKEN not in error.developer_message
    assert "Invalid access token" in str(error)


def test_a_token_in_a_non_orcid_body_is_not_kept_either():
    body = f"<html><body>Bad token {TOKEN}</body></html>".encode()
    error = errors.error_from_fields(502, errors.parse_error_body(body, "text/html"))
    assert isinstance(error, errors.Unavailable)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    "oauth_error, grant_type, expected",
    [
        ("invalid_grant", "refresh_token", errors.TokenRevoked),
        ("invalid_grant", "authorization_code", errors.Invalid),
        ("invalid_client", "authorization_code", errors.Forbidden),
        ("invalid_scope", "client_credentials", errors.Invalid),
        ("invalid_token", "", errors.TokenRevoked),
        ("insufficient_scope", "", errors.InsufficientScope),
    ],
)
def test_oauth_errors_map_by_error_and_grant(oauth_error, grant_type, expected):
    error = errors.error_from_fields(400, {"error": oauth_error, "error_description": "nope"}, grant_type=grant_type)
    assert type(error) is expected


def test_errors_survive_pickling_for_celery():
    error = errors.error_from_fields(409, orcid_json_error(409, 9021, DUPLICATE_MESSAGE))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is errors.Duplicate
    assert (copy.status, copy.error_code, copy.put_code) == (409, 9021, 4711)
    assert str(copy) == str(error)


def test_unknown_outcome_names_the_call():
    error = errors.OutcomeUnknown(None, None, "lost", method="POST", path="/v3.0/0000-0002-1825-0097/work")
    assert error.method == "POST"
    assert "lost" in str(error)


# ORCID's texts (api_en.properties, apiError.9007/9018/9044).
DEPRECATED_DEVELOPER = (
    "301 Moved Permanently: This account is deprecated. Please refer to account: "
    "https://orcid.org/0000-0002-1825-0097. ORCID https://orcid.org/0000-0001-5109-3700"
)


class FakeResponse:
    def __init__(self, status, body, headers=None):
        self.status_code = status
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        self.reason = ""


@pytest.mark.parametrize(
    "status, code, state",
    [(409, 9018, "locked"), (409, 9044, "deactivated"), (409, 9036, "not_claimed"), (409, 9007, "deprecated")],
)
def test_record_states_are_record_unusable_and_conflicts(status, code, state):
    error = errors.error_from_fields(status, orcid_json_error(status, code, "message"))
    assert isinstance(error, errors.RecordUnusable)
    assert isinstance(error, errors.Conflict)  # callers that knew only Conflict still stop
    assert error.record_state == state


def test_a_301_names_the_primary_from_location():
    response = FakeResponse(
        301, orcid_json_error(301, 9007, DEPRECATED_DEVELOPER),
        {"Location": "https://api.orcid.org/v3.0/0000-0002-1825-0097/works"},
    )
    error = errors.error_from_response(response)
    assert type(error) is errors.RecordDeprecated
    assert error.primary_orcid == "0000-0002-1825-0097"
    assert error.status == 301 and error.error_code == 9007


def test_a_409_9007_without_location_names_the_primary_from_the_message():
    error = errors.error_from_fields(409, orcid_json_error(409, 9007, DEPRECATED_DEVELOPER.replace("301 Moved", "409")))
    assert type(error) is errors.RecordDeprecated
    assert error.primary_orcid == "0000-0002-1825-0097"


def test_a_bare_301_without_a_body_is_still_deprecated():
    response = FakeResponse(301, b"", {"Location": "http://sim/v3.0/0000-0001-5109-3700/record"})
    error = errors.error_from_response(response)
    assert type(error) is errors.RecordDeprecated
    assert error.primary_orcid == "0000-0001-5109-3700"


def test_record_deprecated_survives_pickling_with_its_primary():
    error = errors.error_from_fields(409, orcid_json_error(409, 9007, DEPRECATED_DEVELOPER))
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is errors.RecordDeprecated and again.primary_orcid == "0000-0002-1825-0097"


def test_expired_access_token_is_token_expired_and_masks_the_token():
    error = errors.error_from_fields(
        401, {"error": "invalid_token", "error_description": f"Access token expired: {TOKEN}"}, secrets=[TOKEN]
    )
    assert type(error) is errors.TokenExpired
    assert isinstance(error, errors.TokenRevoked)
    assert TOKEN not in str(error)


def test_invalid_access_token_is_token_revoked_not_expired():
    error = errors.error_from_fields(401, {"error": "invalid_token", "error_description": "Invalid access token"})
    assert type(error) is errors.TokenRevoked


@pytest.mark.parametrize("status", [401, 500, 503])
@pytest.mark.parametrize("grant_type", ["refresh_token", "authorization_code", ""])
def test_server_error_from_the_token_endpoint_is_unavailable_not_revoked(status, grant_type):
    error = errors.error_from_fields(status, {"error": "server_error", "error_description": "boom"},
                                     grant_type=grant_type)
    assert isinstance(error, errors.Unavailable)
    assert not isinstance(error, errors.TokenRevoked)


def test_invalid_grant_on_refresh_is_revoked():
    error = errors.error_from_fields(400, {"error": "invalid_grant"}, grant_type="refresh_token")
    assert type(error) is errors.TokenRevoked
