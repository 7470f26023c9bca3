"""ORCID's record states as the member API answers them (v3 OrcidSecurityManagerImpl.checkProfile,
OrcidCoreExceptionMapper and orcid-api-common's OrcidExceptionMapper)."""

from __future__ import annotations

from orcid_simulator.errors import ApiError
from orcid_simulator.state.models import RECORD_STATES, Record, Token, _now

ORCID_BASE = "https://orcid.org"


class RecordStates:
    """Mixed into `Simulator`."""

    def set_record_state(self, *, orcid: str, state: str, primary: str | None = None) -> Record:
        """Lock, deactivate, deprecate (into `primary`), unclaim or reactivate a record. Deactivating
        disables every token issued for the record, as ORCID does (those tokens stay dead after
        a reactivation: the researcher grants access again)."""
        if state not in RECORD_STATES:
            raise ValueError(f"state must be one of {', '.join(RECORD_STATES)}")
        with self.lock:
            record = self.record(orcid)
            if state == "deprecated":
                if not primary or primary == orcid or primary not in self.records:
                    raise ValueError("a deprecated record needs the iD of another record here as 'primary'")
            record.state = state
            record.primary = primary if state == "deprecated" else None
            record.deprecated_at = _now() if state == "deprecated" else None
            if state == "deactivated":
                for token in self.tokens.values():
                    if token.orcid == orcid and token.status == "active":
                        token.status = "disabled"
        self.save()
        return record

    def check_record_state(self, *, orcid: str, method: str, url: str) -> None:
        """Raise ORCID's error for a call on a record that is not active."""
        record = self.record(orcid)
        if record.state == "deprecated":
            raise deprecated_error(record, method, url)
        if record.state == "locked":
            # LockedException(orcid + " is locked") with setOrcid(id): 409 9018.
            raise ApiError(9018, detail=f"{orcid} is locked", params={"orcid": orcid})
        if record.state == "deactivated":
            raise ApiError(9044, detail=f"{orcid} is deactivated")
        if record.state == "unclaimed":
            # OrcidNotClaimedException, checked before locked in checkProfile; no message of its own.
            raise ApiError(9036)


def deprecated_error(record: Record, method: str, url: str) -> ApiError:
    """OrcidDeprecatedException: a GET answers 301 with the v3 error (developer message with the
    primary and deprecated iDs); any other method 409 whose developer and user messages are the
    user message (getDeprecatedOrcidErrorV3). Both carry `Location`: the request's URL with the
    primary iD in place of the deprecated one."""
    params = {"orcid": f"{ORCID_BASE}/{record.primary}", "deprecated_orcid": f"{ORCID_BASE}/{record.orcid}"}
    location = url.replace(record.orcid, record.primary or record.orcid)
    if method == "GET":
        return ApiError(9007, params=params, headers={"Location": location})
    return ApiError(9007, params=params, http_status=409, headers={"Location": location}, user_message_only=True)


def token_disabled(token: Token) -> bool:
    return token.status == "disabled"
