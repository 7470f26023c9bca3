"""ORCID's errors as Python exceptions, one class per thing a caller does differently.

ORCID answers a failed member-API call with an error body (JSON or XML, namespace
`http://www.orcid.org/ns/error`) holding `response-code`, `developer-message`,
`user-message`, `error-code` and `more-info`
(https://github.com/ORCID/ORCID-Source/blob/main/orcid-core/src/main/resources/i18n/api_en.properties),
and a failed OAuth call, or a call with a bad token, with an OAuth body
(`{"error": "invalid_token", "error_description": "Invalid access token: <the token>"}`).
`error_from_response` turns either into the right class below. ORCID echoes a bad token
back in its description, so every text kept here goes through `redact` first: an
exception's message may be logged or shown, a token never.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable

from lxml import etree

from orcid_client.redaction import redact

ERROR_NS = "http://www.orcid.org/ns/error"

# ORCID's error codes that decide the class (api_en.properties).
CODE_NOT_SOURCE = 9010
CODE_NOT_FOUND = 9016
CODE_WRONG_RECORD = 9017
CODE_DUPLICATE = 9021
CODE_VISIBILITY_CHANGE = 9035
CODE_INSUFFICIENT_SCOPE = 9038
# The record's own state (OrcidCoreExceptionMapper: OrcidDeprecatedException 301/409 9007,
# LockedException 409 9018, OrcidNotClaimedException 409 9036, DeactivatedException 409 9044).
CODE_DEPRECATED = 9007
CODE_LOCKED = 9018
CODE_NOT_CLAIMED = 9036
CODE_DEACTIVATED = 9044

# "409 Conflict: You have already added this activity (matched by external identifiers),
# please see element with put-code ${putCode}. ..." (apiError.9021.developerMessage)
_DUPLICATE_PUT_CODE = re.compile(r"put-code\s+(\d+)", re.IGNORECASE)

# "This account is deprecated. Please refer to account: ${orcid}." (apiError.9007.userMessage)
_ORCID_ID = r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]"
_DEPRECATED_PRIMARY = re.compile(r"refer to account:?\s*(?:https?://[^\s/]+/)?(" + _ORCID_ID + ")", re.IGNORECASE)
_ORCID_IN_URL = re.compile(r"/(" + _ORCID_ID + r")(?:/|$|\?)")
# Spring's and ORCID's text for a token that ran out (DefaultTokenServices: "Access token expired").
_EXPIRED_TOKEN = re.compile(r"\bexpired\b", re.IGNORECASE)

# Longest text kept from a body that is not ORCID's error format (an HTML error page of a proxy).
_MAX_RAW_TEXT = 300


class OrcidError(Exception):
    """ORCID refused or could not do a call.

    `status` is the HTTP status (None when no answer came), `error_code` ORCID's numeric
    code (9021, …) or None, the messages ORCID's own, with anything token-like masked.
    `oauth_error` is the OAuth error name (`invalid_grant`, `invalid_token`, …) when the
    answer was an OAuth error.
    """

    def __init__(
        self,
        status: int | None = None,
        error_code: int | None = None,
        developer_message: str = "",
        user_message: str = "",
        *,
        more_info: str = "",
        oauth_error: str = "",
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.developer_message = redact(developer_message or "")
        self.user_message = redact(user_message or "")
        self.more_info = more_info or ""
        self.oauth_error = oauth_error or ""
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [type(self).__name__]
        if self.status is not None:
            parts.append(str(self.status))
        if self.error_code is not None:
            parts.append(f"[{self.error_code}]")
        if self.oauth_error:
            parts.append(f"({self.oauth_error})")
        message = self.developer_message or self.user_message
        text = " ".join(parts)
        return f"{text}: {message}" if message else text

    def __str__(self) -> str:
        return self._text()

    def __repr__(self) -> str:
        return f"<{self._text()}>"

    def __reduce__(self):
        # Celery pickles exceptions across processes; keep the keyword-only fields.
        return (
            _rebuild_error,
            (type(self), self.status, self.error_code, self.developer_message, self.user_message, self.__dict__.copy()),
        )


def _rebuild_error(cls, status, error_code, developer_message, user_message, state):
    error = cls.__new__(cls)
    OrcidError.__init__(error, status, error_code, developer_message, user_message)
    error.__dict__.update(state)
    return error


class Invalid(OrcidError):
    """ORCID rejected the request itself (400: schema, validation, put-code misuse, a bad code)."""


class TokenRevoked(OrcidError):
    """The access or refresh token no longer works (401, or `invalid_grant` on refresh).

    On a refresh (`invalid_grant`) it means the researcher revoked the portal's access. On a
    member-API call (401 `invalid_token`) the access token may only have run out: ORCID
    answers "Invalid access token" for both, so a caller first refreshes once
    (`connections.services.connection_call`) and only a token the refresh cannot replace
    means revoked. 9017: the token belongs to another record.
    """


class TokenExpired(TokenRevoked):
    """A 401 `invalid_token` whose description says the token expired ("Access token
    expired"): refresh it with the refresh token and send the call again."""


class Forbidden(OrcidError):
    """ORCID understood the call and refuses it (403)."""


class InsufficientScope(Forbidden):
    """The token lacks the scope the call needs (403, 9038)."""


class NotSource(Forbidden):
    """The item belongs to another source; only its source may change it (403, 9010)."""


class VisibilityChange(Forbidden):
    """A PUT tried to change an item's visibility, which only the researcher may do (403, 9035)."""


class NotFound(OrcidError):
    """No such record or item (404, e.g. the researcher deleted it on ORCID)."""


class Duplicate(OrcidError):
    """The client already has this item on the record, matched by its `self` external ids (409, 9021).

    `put_code` is the existing item's put-code, read from ORCID's message (None if absent).
    """

    def __init__(self, *args: Any, put_code: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if put_code is None:
            match = _DUPLICATE_PUT_CODE.search(self.developer_message)
            put_code = int(match.group(1)) if match else None
        self.put_code = put_code


class Conflict(OrcidError):
    """Any other 409: retrying will not help soon."""


class RecordUnusable(Conflict):
    """ORCID will not act on the record itself, whatever the item (its `record_state`).

    Nothing about the item is wrong: the items wait until the record is usable again, and
    the connection shows the state (`connections.services.connection_record_refused`).
    """

    record_state = ""


class RecordLocked(RecordUnusable):
    """The record is locked by ORCID (409, 9018): no call works until ORCID unlocks it."""

    record_state = "locked"


class RecordDeactivated(RecordUnusable):
    """The researcher deactivated the record (409, 9044)."""

    record_state = "deactivated"


class RecordNotClaimed(RecordUnusable):
    """The record was never claimed by its researcher (409, 9036)."""

    record_state = "not_claimed"


class RecordDeprecated(RecordUnusable):
    """The record was merged into another, its primary (GET: 301 with the primary's `Location`;
    other methods: 409, 9007). `primary_orcid` is the primary iD (from `Location`, else from
    ORCID's message "Please refer to account: …"), or "" when ORCID named none. A 301 is
    an answer, never followed and never retried.
    """

    record_state = "deprecated"

    def __init__(self, *args: Any, primary_orcid: str = "", location: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.primary_orcid = primary_orcid or primary_orcid_from(
            location=location, message=f"{self.developer_message} {self.user_message}"
        )


def primary_orcid_from(*, location: str = "", message: str = "") -> str:
    """The primary iD of a deprecated record: the iD in ORCID's `Location` (the request's URL
    with the deprecated iD replaced by the primary, OrcidExceptionMapper.getPrimaryRecordLocation),
    else the one ORCID's 9007 message refers to; "" when neither names one."""
    match = _ORCID_IN_URL.search(location or "")
    if match:
        return match.group(1)
    match = _DEPRECATED_PRIMARY.search(message or "")
    return match.group(1) if match else ""


class Unavailable(OrcidError):
    """ORCID did not answer usefully after the retries (5xx, timeouts, no connection)."""

    retry_after: float | None = None


class RateLimited(Unavailable):
    """ORCID kept answering 503/429 for too many requests after the retries."""


class OutcomeUnknown(OrcidError):
    """A write was sent and its answer was lost (timeout, dropped connection, gateway error).

    It may or may not have happened on ORCID. It is not retried, because a second POST
    could make a second item: the caller reads the record and reconciles. `method` and
    `path` name the call.
    """

    def __init__(self, *args: Any, method: str = "", path: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method
        self.path = redact(path)


# ---------------------------------------------------------------------------------------------
# Building errors from ORCID's answers
# ---------------------------------------------------------------------------------------------

_RECORD_CLASSES: dict[int, type[OrcidError]] = {
    CODE_DEPRECATED: RecordDeprecated,
    CODE_LOCKED: RecordLocked,
    CODE_NOT_CLAIMED: RecordNotClaimed,
    CODE_DEACTIVATED: RecordDeactivated,
}


def error_class_for(status: int | None, error_code: int | None = None) -> type[OrcidError]:
    """The class for an HTTP status and ORCID error code."""
    if error_code == CODE_DUPLICATE:
        return Duplicate
    if error_code == CODE_INSUFFICIENT_SCOPE:
        return InsufficientScope
    if error_code == CODE_NOT_SOURCE:
        return NotSource
    if error_code == CODE_VISIBILITY_CHANGE:
        return VisibilityChange
    record_class = _RECORD_CLASSES.get(error_code)  # type: ignore[arg-type]
    if record_class is not None:
        return record_class
    if status == 301:
        return RecordDeprecated
    if error_code == CODE_WRONG_RECORD or status == 401:
        return TokenRevoked
    if status == 400 or status == 413:
        return Invalid
    if status == 403:
        return Forbidden
    if status == 404 or error_code == CODE_NOT_FOUND:
        return NotFound
    if status == 409:
        return Conflict
    if status in (429, 503):
        return RateLimited
    if status is not None and status >= 500:
        return Unavailable
    return OrcidError


# OAuth error names (RFC 6749 §5.2, RFC 6750 §3.1) to classes; invalid_grant depends on the grant.
_OAUTH_CLASSES: dict[str, type[OrcidError]] = {
    "invalid_token": TokenRevoked,
    "invalid_request": Invalid,
    "invalid_scope": Invalid,
    "unsupported_grant_type": Invalid,
    "unsupported_token_type": Invalid,
    "invalid_client": Forbidden,
    "unauthorized_client": Forbidden,
    "access_denied": Forbidden,
    "insufficient_scope": InsufficientScope,
    "forbidden": Forbidden,
    # ORCID's token endpoint answers `server_error` (with a 401 or a 5xx) when its
    # authorisation server throws (OAuthError.SERVER_ERROR): nothing about the token.
    "server_error": Unavailable,
    "temporarily_unavailable": Unavailable,
}


def error_from_oauth(status: int | None, error: str, description: str = "", *, grant_type: str = "") -> OrcidError:
    """The error for an OAuth error answer.

    `invalid_grant` means a revoked or expired refresh token (`TokenRevoked`) on a refresh,
    and a bad, used or expired authorization code (`Invalid`) on a code exchange.
    """
    if error == "invalid_grant":
        cls: type[OrcidError] = TokenRevoked if grant_type == "refresh_token" else Invalid
    elif error == "invalid_token" and _EXPIRED_TOKEN.search(description or ""):
        cls = TokenExpired
    else:
        cls = _OAUTH_CLASSES.get(error) or error_class_for(status)
    return cls(status, None, description or error, "", oauth_error=error)


def parse_error_body(body: bytes | str | None, content_type: str = "") -> dict[str, Any]:
    """ORCID's error fields from a JSON or XML error body (or an OAuth JSON error body).

    Returns a dict with any of `response-code`, `developer-message`, `user-message`,
    `error-code`, `more-info`, `error`, `error_description`; `{"text": …}` for anything else.
    """
    if body is None:
        return {}
    if isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
    else:
        text = body
    stripped = text.strip()
    if not stripped:
        return {}
    if stripped.startswith("{") or "json" in content_type:
        try:
            data = json.loads(stripped)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if isinstance(data.get("error"), dict):  # a bulk item: {"error": {...}}
                data = data["error"]
            return data
    if stripped.startswith("<"):
        try:
            root = etree.fromstring(stripped.encode("utf-8"), parser=_SAFE_PARSER)
        except etree.XMLSyntaxError:
            root = None
        if root is not None:
            return error_fields_from_element(root)
    return {"text": stripped[:_MAX_RAW_TEXT]}


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def error_fields_from_element(element) -> dict[str, Any]:
    """The fields of an `<error:error>` element (namespaced or not)."""
    fields: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        fields[name] = (child.text or "").strip()
    return fields


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _scrub(fields: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """`fields` with every known secret (the token just sent, …) masked in its texts."""
    secrets = [s for s in secrets if s and len(s) >= 6]
    if not secrets:
        return fields
    cleaned = {}
    for key, value in fields.items():
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, "[redacted]")
        cleaned[key] = value
    return cleaned


def error_from_fields(
    status: int | None, fields: dict[str, Any], *, grant_type: str = "", secrets: Iterable[str] = (),
    location: str = "",
) -> OrcidError:
    """The typed error for an HTTP status and the fields of its error body.

    `secrets` (the token, code or client secret the call sent) are masked wherever ORCID
    echoes them, on top of the pattern-based `redact`. `location` is the answer's `Location`
    header (a deprecated record's primary).
    """
    fields = _scrub(fields, secrets)
    if "error" in fields and isinstance(fields.get("error"), str):
        return error_from_oauth(status, fields["error"], str(fields.get("error_description") or ""), grant_type=grant_type)
    response_code = _int_or_none(fields.get("response-code"))
    status = status if status is not None else response_code
    error_code = _int_or_none(fields.get("error-code"))
    developer_message = str(fields.get("developer-message") or fields.get("text") or "")
    user_message = str(fields.get("user-message") or "")
    cls = error_class_for(status, error_code)
    more_info = str(fields.get("more-info") or "")
    if cls is RecordDeprecated:
        return RecordDeprecated(status, error_code or CODE_DEPRECATED, developer_message, user_message,
                                more_info=more_info, location=location)
    return cls(status, error_code, developer_message, user_message, more_info=more_info)


def error_from_response(response, *, grant_type: str = "", secrets: Iterable[str] = ()) -> OrcidError:
    """The typed error for a failed `requests.Response` from ORCID."""
    fields = parse_error_body(response.content, response.headers.get("Content-Type", ""))
    if not fields:
        fields = {"text": response.reason or ""}
    return error_from_fields(
        response.status_code, fields, grant_type=grant_type, secrets=secrets,
        location=response.headers.get("Location", ""),
    )
