"""ORCID's error answers become the typed errors callers act on, and never carry a token."""

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
        (409, 9018, errors.Conflict),
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
