"""ORCID's API errors: codes, HTTP statuses and message texts, as ORCID answers them.

Codes and statuses follow ORCID-Source's `OrcidCoreExceptionMapper` (exception class → status,
code); the texts are `apiError.<code>.*` of orcid-core's `i18n/api_en.properties`. ORCID builds
a developer-message as the code's text, then " Full validation error: <detail>" when the
exception carries a message, then `${...}` parameters substituted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TROUBLESHOOTING = "https://members.orcid.org/api/resources/troubleshooting"

# code: (HTTP status, developer-message, user-message)
MESSAGES: dict[int, tuple[int, str, str]] = {
    9001: (400,
           "400 Bad Request: There is an issue with your data or the API endpoint. 405 Method Not Allowed: "
           "Endpoint and method mismatch. 415 Unsupported Media Type: data must be in XML or JSON format.",
           "ORCID could not process the data, because they were invalid."),
    9007: (301, "301 Moved Permanently: This account is deprecated. Please refer to account: ${orcid}. ORCID "
           "${deprecated_orcid}",
           "This account is deprecated. Please refer to account: ${orcid}."),
    9006: (400, "The client application sent a bad request to ORCID.",
           "The client application sent a bad request to ORCID."),
    9010: (403, "403 Forbidden: You are not the source of the ${activity}, so you are not allowed to update it.",
           "The client application is not the source of the resource it is trying to access."),
    9011: (404, "404 Not Found: The ORCID record or item was not found.", "The resource was not found."),
    9012: (400, "The client application made a bad request to the ORCID API.",
           "The client application made a bad request to the ORCID API."),
    9013: (403, "403 Forbidden: The item is private and you are not the source.",
           "The client application is forbidden to perform the action."),
    9014: (403, "The client application is forbidden to perform the action.",
           "The client application is forbidden to perform the action."),
    9016: (404, "404 Not Found: The resource was not found.", "The resource was not found."),
    9017: (401, "401 Unauthorized: The client application is not authorized for this ORCID record.",
           "The client application is not authorized."),
    9018: (409, "409 Conflict: The ORCID record is locked and cannot be edited. ORCID ${orcid}",
           "The ORCID record is locked."),
    9019: (400, "400 Bad Request: The put code in the URL was ${urlPutCode} whereas the one in the body was "
           "${bodyPutCode}.",
           "There was an error when updating the record. Please try again. If the error persists, please contact "
           "${clientName} for assistance."),
    9020: (400, "400 Bad Request: Invalid incoming message.", "Invalid incoming message."),
    9021: (409, "409 Conflict: You have already added this activity (matched by external identifiers), please see "
           "element with put-code ${putCode}. If you are trying to edit the item, please use PUT instead of POST.",
           "There was an error when updating the record. Please try again. If the error persists, please contact "
           "${clientName} for assistance."),
    9022: (400, "400 Bad Request: Invalid activity, a title is required.", "Invalid activity:  A title is required."),
    9023: (400, "400 Bad Request: Invalid activity, an external identifier is required.",
           "Invalid activity: an external identifier is required."),
    9024: (400, "400 Bad Request: Put-code is included when not expected. When posting new activities, the put code "
           "should be omitted.",
           "There was an error when updating the record. Please try again. If the error persists, please contact "
           "${clientName} for assistance."),
    9028: (404, "No webhook found for orcid=${orcid}, and uri=${uri}.", "The resource was not found."),
    9034: (400, "400 Bad Request: The put code provided is not valid.",
           "There was an error when updating the record. Please try again. If the error persists, please contact "
           "${clientName} for assistance."),
    9035: (403, "403 Forbidden: You can't change the visibility of an item, please remove the visibility or set it "
           "to the current value.",
           "There was an error when updating the record. Please try again. If the error persists, please contact "
           "${clientName} for assistance."),
    9036: (409, "409 Conflict: This record has not been claimed.",
           "This record has not been claimed, if this is your record you can claim it at "
           "https://orcid.org/resend-claim."),
    9037: (400, "Invalid ${type}, valid values are: ${values}.", "Please specify a work type."),
    9038: (403, "409 Conflict: The item has a limited or private visibility and your request doesn't have the "
           "required scope.",
           "You don't have the permissions to execute this action."),
    9042: (400, "", "Too many put codes supplied"),
    9044: (409, "409 Conflict: The ORCID record is deactivated and cannot be edited.",
           "The ORCID record is deactivated."),
    9045: (400, "400 Bad request: disambiguated-organization must be present and valid",
           "No valid disambiguated-organization is included in the data."),
    9046: (400, "400 Bad request: organization must be present and valid",
           "No valid organization is included in the data."),
    9047: (400, "400 Bad request: invalid JSON - ${error}", "Invalid JSON."),
    9048: (409, "409 Conflict: The maximum number of works that can be connected to an ORCID record is 10,000",
           "The maximum number of works that can be connected to an ORCID record is 10,000 and you have now exceeded "
           "this limit. Please remove some works and try again. For more information, see "
           "https://support.orcid.org/hc/articles/360006973133"),
    9049: (400, "400 Bad request: invalid date: ${dateString} ", "Invalid date"),
    9050: (400, "400 Bad request: missing start-date. If you specify an end-date, you must specify a start-date",
           "Missing start-date. If you specify an end-date, you must specify a start-date"),
    9054: (400, "400 Bad Request: invalid amount", "This does not appear to be a valid funding amount"),
    9055: (400, "400 Bad Request: End date must come after start date.", "End date must come after start date."),
    9058: (400, "404 Bad Request: Invalid contributor role: ${role}. Expected one of ${validRoles}. ",
           "Invalid contributor role."),
    9060: (400, "City and country are required for education/employment.",
           "City and country are required for education/employment."),
    9061: (400, "City or region cannot be provided without a country for the organization address.",
           "City or region cannot be provided without a country for the organization address."),
    9062: (400, "Professional activities cannot be added without an organization id/external identifier. One has "
           "to be present.",
           "Professional activities cannot be added without an organization id/external identifier. One has "
           "to be present."),
}

# IllegalArgumentException (bulk over the limit) carries this detail (validation_too_many_elements_in_bulk).
BULK_LIMIT = 100
BULK_LIMIT_DETAIL = "You are allowed to add up to {0} elements per request."
# ExceedMaxNumberOfPutCodesException: GET works/{put-codes} takes at most 100.
MAX_PUT_CODES = 100


@dataclass
class ApiError(Exception):
    """An ORCID member-API error answer. `detail` is the exception's own message (appended as
    " Full validation error: ..."); `params` fill the `${...}` placeholders."""

    code: int
    detail: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    # 9001 also stands for 405 (method) and 415 (media type), as its message says.
    http_status: int | None = None
    # Headers of the answer (a deprecated record's Location).
    headers: dict[str, str] = field(default_factory=dict)
    # getDeprecatedOrcidErrorV3: developer-message = user-message, no "Full validation error".
    user_message_only: bool = False

    @property
    def status(self) -> int:
        return self.http_status or MESSAGES[self.code][0]

    def body(self) -> dict[str, object]:
        _, developer, user = MESSAGES[self.code]
        if self.user_message_only:
            developer = user
        elif not developer:
            developer = "org.orcid.core.exception.ExceedMaxNumberOfPutCodesException"
        if self.detail:
            developer = f"{developer} Full validation error: {self.detail}"
        return {
            "response-code": self.status,
            "developer-message": _substitute(developer, self.params),
            "user-message": _substitute(user, self.params),
            "error-code": self.code,
            "more-info": TROUBLESHOOTING,
        }


def _substitute(text: str, params: dict[str, str]) -> str:
    # StrSubstitutor leaves unknown ${...} as they are, as ORCID's answers show.
    for key, value in params.items():
        text = text.replace("${" + key + "}", str(value))
    return text


@dataclass
class OAuthError(Exception):
    """A Spring Security OAuth2 error answer: {"error": ..., "error_description": ...}."""

    status: int
    error: str
    description: str

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
