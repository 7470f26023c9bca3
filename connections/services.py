"""Writes and rules of the central ORCID token store.

Token lifecycle as ORCID defines it (https://info.orcid.org/documentation/api-tutorials/):
a researcher's access token lasts long (20 years at ORCID) and can be refreshed with the
refresh token (`grant_type=refresh_token`); ORCID answers `invalid_token` once the researcher
revokes the portal's access on their record. A token revoked by the researcher still lets
the source delete its own items, so it is kept (encrypted); one the portal revoked itself at
`/oauth/revoke` is dead for every call and is wiped.

No service here logs a token, and no exception raised from here carries one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Callable, TypeVar

from django.db import transaction
from django.utils import timezone

from orcid_client.client import default_client
from orcid_client.errors import OrcidError, RecordUnusable, TokenRevoked

from .models import ConnectionEvent, OrcidConnection

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Scopes the portal asks for, and the one it cannot work without.
REQUESTED_SCOPES = ("/authenticate", "/activities/update", "/read-limited")
WRITE_SCOPE = "/activities/update"
# Refresh an access token this long before it runs out, so that a sync that takes the token
# at the start of a researcher's run does not see it expire half-way.
REFRESH_MARGIN = dt.timedelta(minutes=15)


class ConnectionRefused(Exception):
    """A connection attempt the portal refuses; `message` is for the researcher."""

    message = "The ORCID iD could not be connected."

    def __init__(self, message: str | None = None) -> None:
        if message:
            self.message = message
        super().__init__(self.message)


class OrcidIdLinkedElsewhere(ConnectionRefused):
    message = (
        "This ORCID iD is already connected to another institutional ID. "
        "If it is yours, disconnect it there first, or contact the research office."
    )


class InsufficientScopes(ConnectionRefused):
    message = (
        "ORCID did not grant permission to add items to your record, so nothing was connected. "
        "Please connect again and allow the portal to update your record."
    )



def connection_code_exchange(*, code: str, redirect_uri: str):
    """Exchange an OAuth authorization code for ORCID's token answer (`OrcidToken`); raises
    `OrcidError` when ORCID refuses it (for the allauth provider)."""
    return default_client().token_from_code(code=code, redirect_uri=redirect_uri)


def connection_record_name(*, orcid: str, access_token: str) -> str:
    """The name on the record as ORCID shows it ("" when none); raises `OrcidError` (for the
    allauth provider, which reads the record once to check that a fresh grant works)."""
    return default_client().record_read(orcid=orcid, access_token=access_token).name or ""


def connection_grant_return(*, tokens) -> None:
    """Give back a grant the portal will not use (best effort): each of its tokens (ORCID's
    /oauth/revoke takes an access or a refresh token and answers 200 for one already dead)."""
    client = default_client()
    for token in [t for t in tokens if t]:
        try:
            client.token_revoke(token=token)
        except OrcidError as error:
            logger.warning("Could not revoke an unused ORCID grant: %s", type(error).__name__)


def _event(connection: OrcidConnection, kind: str, *, detail: str = "", actor=None) -> ConnectionEvent:
    return ConnectionEvent.objects.create(
        connection=connection, kind=kind, orcid=connection.orcid, detail=detail[:500], actor=actor
    )


def _expiry(expires_in: int | None) -> dt.datetime | None:
    return timezone.now() + dt.timedelta(seconds=int(expires_in)) if expires_in else None


def connection_connect(
    *,
    user,
    orcid: str,
    name: str,
    access_token: str,
    refresh_token: str,
    expires_at: dt.datetime | None,
    scopes: list[str] | set[str] | frozenset[str],
) -> OrcidConnection:
    """Store (encrypted) the tokens ORCID just granted `user` for `orcid`.

    Creates the user's connection or replaces the tokens of their existing one (a reconnect),
    keeping its history. Raises `InsufficientScopes` when the grant cannot write activities,
    and `OrcidIdLinkedElsewhere` when the iD is held by another user's live connection
    (active, revoked or expired); nothing is stored then.
    """
    granted = sorted(set(scopes))
    if WRITE_SCOPE not in granted:
        raise InsufficientScopes()
    now = timezone.now()
    with transaction.atomic():
        holder = (
            OrcidConnection.objects.select_for_update()
            .filter(orcid=orcid, status__in=OrcidConnection.LIVE_STATUSES)
            .exclude(user=user)
            .first()
        )
        if holder is not None:
            raise OrcidIdLinkedElsewhere()
        connection = OrcidConnection.objects.select_for_update().filter(user=user).first()
        created = connection is None
        if created:
            connection = OrcidConnection(user=user)
            previous = ""
        else:
            previous = (
                f"previously {connection.get_status_display().lower()}"
                + (f" with iD {connection.orcid}" if connection.orcid != orcid else "")
            )
        connection.orcid = orcid
        connection.name = name or ""
        connection.scopes = granted
        connection.access_token = access_token
        connection.refresh_token = refresh_token
        connection.expires_at = expires_at
        connection.status = OrcidConnection.Status.ACTIVE
        connection.revoked_by = OrcidConnection.RevokedBy.NOBODY
        connection.status_reason = ""
        connection.primary_orcid = ""
        connection.record_state_at = None
        connection.connected_at = now
        connection.refreshed_at = None
        connection.revoked_at = None
        connection.disconnected_at = None
        connection.save()
        _event(
            connection,
            ConnectionEvent.Kind.CONNECTED if created else ConnectionEvent.Kind.RECONNECTED,
            detail=f"scopes {' '.join(granted)}" + (f"; {previous}" if previous else ""),
            actor=user,
        )
        _social_account_link(user=user, orcid=orcid, name=name)
    logger.info("ORCID connection %s for %s (%s)", "created" if created else "renewed", user.username, orcid)
    return connection


def _social_account_link(*, user, orcid: str, name: str) -> None:
    """Keep allauth's record of the link (provider `orcid`, uid = iD) in step, without tokens."""
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.filter(provider="orcid", user=user).exclude(uid=orcid).delete()
    SocialAccount.objects.update_or_create(
        provider="orcid", uid=orcid, defaults={"user": user, "extra_data": {"orcid": orcid, "name": name}}
    )


def _social_account_unlink(*, user) -> None:
    from allauth.socialaccount.models import SocialAccount

    SocialAccount.objects.filter(provider="orcid", user=user).delete()


def connection_access_token(*, connection: OrcidConnection, for_delete: bool = False) -> str:
    """The connection's access token in plaintext, refreshed first when it is close to expiry.

    With `for_delete=True` a token the researcher revoked on ORCID is still returned, since
    ORCID lets the source delete its own items with it. Raises `TokenRevoked` when the
    connection cannot be used (revoked, expired, disconnected; or ORCID refuses the refresh,
    which marks the connection revoked); other `OrcidError`s from a refresh pass through
    with the connection unchanged.
    """
    # A connection waiting on its record keeps a working token: the sync probes the record with it.
    usable = connection.status in _TOKEN_STATUSES or (
        for_delete
        and connection.status == OrcidConnection.Status.REVOKED
        and connection.revoked_by == OrcidConnection.RevokedBy.RESEARCHER
        and connection.access_token_encrypted
    )
    if not usable:
        raise TokenRevoked(401, None, f"The ORCID connection of {connection.user.username} is {connection.status}.",
                           oauth_error="invalid_token")
    if connection.status not in _TOKEN_STATUSES or not _near_expiry(connection):
        return connection.access_token
    return _refresh(connection=connection)


_TOKEN_STATUSES = (OrcidConnection.Status.ACTIVE, *OrcidConnection.RECORD_STATUSES)


def _near_expiry(connection: OrcidConnection) -> bool:
    return connection.expires_at is not None and connection.expires_at - timezone.now() <= REFRESH_MARGIN


def _refresh(*, connection: OrcidConnection, refused_token: str = "") -> str:
    """Refresh under a row lock so that parallel workers refresh once and share the result.

    `refused_token`: ORCID just refused this access token (401 invalid_token), so it is
    refreshed whatever its expiry date says, unless another worker has already replaced it.
    """
    refused: OrcidError | None = None
    with transaction.atomic():
        locked = OrcidConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.status not in _TOKEN_STATUSES:
            _copy_state(locked, connection)
            raise TokenRevoked(401, None, f"The ORCID connection of {connection.user.username} is {locked.status}.",
                               oauth_error="invalid_token")
        stale = locked.access_token == refused_token if refused_token else _near_expiry(locked)
        if not stale:  # another worker refreshed it meanwhile
            _copy_state(locked, connection)
            return locked.access_token
        refused = _refresh_locked(locked, expired_at_orcid=bool(refused_token))
        _copy_state(locked, connection)
    if refused is not None:
        logger.info("ORCID connection of %s is %s", connection.user.username, connection.status)
        raise refused
    logger.info("Refreshed the ORCID token of %s", connection.user.username)
    return connection.access_token


def _refresh_locked(locked: OrcidConnection, *, expired_at_orcid: bool) -> OrcidError | None:
    """Refresh the locked row's token; the error to raise once the status change is committed.

    Only ORCID refusing the refresh token (`invalid_grant`), or no refresh token for a token
    that ran out, ends the connection; `Unavailable` (server_error, 5xx, timeouts on
    /oauth/token, after the client's retries) passes through and leaves it as it was.
    """
    refresh_token = locked.refresh_token
    if not refresh_token:
        if not expired_at_orcid and locked.expires_at is not None and locked.expires_at > timezone.now():
            return None  # nothing to refresh with; use it while it lasts
        reason = "ORCID refused the access token and there is no refresh token to replace it."
        if not expired_at_orcid:
            reason = "The access token expired and ORCID gave no refresh token."
        _set_status(locked, OrcidConnection.Status.EXPIRED, reason=reason)
        _event(locked, ConnectionEvent.Kind.EXPIRED, detail="no refresh token")
        return TokenRevoked(401, None, "The ORCID access token expired.", oauth_error="invalid_token")
    try:
        # Not revoke_old: other workers may be mid-call with the old token, which stays valid
        # until it expires anyway. Without revoke_old the client retries a lost answer.
        token = default_client().token_refresh(refresh_token=refresh_token, revoke_old=False)
    except TokenRevoked as error:
        record_error = _record_state_probe(locked.orcid) if expired_at_orcid else None
        if record_error is not None:
            # ORCID disables the tokens of a deactivated record: that is the record's state,
            # not the researcher revoking the portal's access.
            from .record_states import connection_record_refused

            connection_record_refused(connection=locked, error=record_error)
            return record_error
        _set_status(
            locked, OrcidConnection.Status.REVOKED, reason="ORCID refused to refresh the token.",
            revoked_by=OrcidConnection.RevokedBy.RESEARCHER,
        )
        _event(locked, ConnectionEvent.Kind.REVOKED, detail="refresh refused (invalid_grant)")
        return error
    locked.access_token = token.access_token
    if token.refresh_token:
        locked.refresh_token = token.refresh_token
    locked.expires_at = _expiry(token.expires_in)
    if token.scope:
        locked.scopes = sorted(token.scopes)
    locked.refreshed_at = timezone.now()
    locked.save(update_fields=[
        "access_token_encrypted", "refresh_token_encrypted", "expires_at", "scopes", "refreshed_at", "updated_at",
    ])
    _event(locked, ConnectionEvent.Kind.REFRESHED, detail="ORCID refused the old token" if expired_at_orcid else "")
    return None


_public_token_lock = threading.Lock()
_public_tokens: dict[str, str] = {}  # ORCID's base URL -> a /read-public client token (they last 20 years)


def _public_token(client) -> str:
    with _public_token_lock:
        token = _public_tokens.get(client.base_url)
    if not token:
        token = client.token_client_credentials(scope="/read-public").access_token
        with _public_token_lock:
            _public_tokens[client.base_url] = token
    return token


def _record_state_probe(orcid: str) -> RecordUnusable | None:
    """What ORCID says of the record to anyone (a `/read-public` client token, kept per
    process): the `RecordUnusable` error of a deactivated, locked or deprecated record, else
    None (also when ORCID cannot be asked just now). One read."""
    client = default_client()
    for _attempt in range(2):
        try:
            client.record_read(orcid=orcid, access_token=_public_token(client))
        except RecordUnusable as error:
            return error
        except TokenRevoked:  # the kept client token is no longer valid: once more with a new one
            with _public_token_lock:
                _public_tokens.pop(client.base_url, None)
            continue
        except OrcidError as error:
            logger.info("Could not read the state of ORCID record %s: %s", orcid, type(error).__name__)
        return None
    return None


def connection_record_probe(*, connection: OrcidConnection, call: Callable[[str], object]) -> bool:
    """One read of a record ORCID refused (the connection is locked, deactivated or
    deprecated): True when it is usable again (the connection is then active), False when
    not (its state kept or updated) or when ORCID could not answer. A deactivated record is
    read through ORCID's public view first, since ORCID disabled the record's tokens: while it
    stays deactivated that is the only call."""
    from .record_states import connection_record_refused

    if connection.status == OrcidConnection.Status.DEACTIVATED:
        still = _record_state_probe(connection.orcid)
        if still is not None:
            connection_record_refused(connection=connection, error=still)
            return False
    try:
        connection_call(connection=connection, call=call)
    except OrcidError as error:
        logger.info("ORCID record %s still not usable: %s", connection.orcid, type(error).__name__)
        return False
    return True


def connection_token_refused(*, connection: OrcidConnection, refused_token: str) -> str:
    """ORCID answered a call made with `refused_token` with 401 `invalid_token`; return the
    access token to send the call again with, once.

    ORCID says "Invalid access token" alike for a token that ran out (earlier than the portal
    expected) and for one the researcher revoked, so the token is refreshed: the refresh
    succeeding means it had only expired. Raises `TokenRevoked`, with the connection marked
    revoked (or expired, without a refresh token), when ORCID refuses the refresh
    (`invalid_grant`), unless ORCID says the record itself is unusable (it disables the tokens
    of a deactivated record): then the connection takes that state and the `RecordUnusable`
    error is raised. `Unavailable` when ORCID's token endpoint fails (`server_error`, 5xx,
    timeouts, after retries with backoff), the connection left active for the next run.
    """
    return _refresh(connection=connection, refused_token=refused_token)


def connection_call(*, connection: OrcidConnection, call: Callable[[str], T], for_delete: bool = False) -> T:
    """`call(access_token)` on the researcher's record, with the token handled as ORCID wants.

    - A 401 `invalid_token` refreshes the token and sends the call once more; refused again,
      the connection is marked revoked and `TokenRevoked` raised.
    - ORCID refusing the record itself (`RecordUnusable`: locked, deactivated, deprecated, not
      claimed) records that state on the connection and re-raises.
    - A call that works on a connection waiting on its record turns it `active` again.
    Other errors pass through untouched.
    """
    from .record_states import connection_mark_usable, connection_record_refused

    token = connection_access_token(connection=connection, for_delete=for_delete)
    try:
        try:
            result = call(token)
        except TokenRevoked:
            if connection.status not in _TOKEN_STATUSES:
                raise  # a revoked token kept for deletions: refreshing would not help
            token = connection_token_refused(connection=connection, refused_token=token)
            try:
                result = call(token)
            except TokenRevoked as error:
                connection_mark_revoked(connection=connection, reason=f"ORCID refused a fresh token: {error}"[:500])
                raise
    except RecordUnusable as error:
        connection_record_refused(connection=connection, error=error)
        raise
    connection_mark_usable(connection=connection)
    return result


_STATE_FIELDS = (
    "orcid", "name", "scopes", "status", "revoked_by", "status_reason", "access_token_encrypted",
    "refresh_token_encrypted", "expires_at", "connected_at", "refreshed_at", "revoked_at", "disconnected_at",
    "primary_orcid", "record_state_at", "updated_at",
)


def _copy_state(source: OrcidConnection, target: OrcidConnection) -> None:
    # The caller's instance sees what was saved, so a later save of it cannot undo a refresh.
    if source is not target:
        for field in _STATE_FIELDS:
            setattr(target, field, getattr(source, field))


def _set_status(connection: OrcidConnection, status: str, *, reason: str, revoked_by: str = "") -> None:
    connection.status = status
    connection.status_reason = reason[:500]
    if revoked_by:
        connection.revoked_by = revoked_by
    if status in (OrcidConnection.Status.REVOKED, OrcidConnection.Status.DISCONNECTED):
        connection.revoked_at = connection.revoked_at or timezone.now()
    connection.save(update_fields=["status", "status_reason", "revoked_by", "revoked_at", "updated_at"])


def connection_mark_revoked(*, connection: OrcidConnection, reason: str) -> None:
    """Record that ORCID refused the connection's token (`invalid_token`): the researcher (or
    ORCID) revoked the portal's access. The connection turns `revoked`, the dashboard asks the
    researcher to reconnect, and the token is kept (encrypted) because ORCID still lets the
    source delete its items with it. Does nothing to a connection that is neither active nor
    waiting on its record (locked, deactivated, deprecated)."""
    with transaction.atomic():
        locked = OrcidConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.status not in (OrcidConnection.Status.ACTIVE, *OrcidConnection.RECORD_STATUSES):
            _copy_state(locked, connection)
            return
        _set_status(locked, OrcidConnection.Status.REVOKED, reason=reason, revoked_by=OrcidConnection.RevokedBy.RESEARCHER)
        _event(locked, ConnectionEvent.Kind.REVOKED, detail=reason)
        _copy_state(locked, connection)
    logger.info("ORCID connection of %s marked revoked: %s", connection.user.username, reason)


@dataclass(frozen=True)
class DisconnectResult:
    items_removed: int | None  # None: not asked
    revoked_at_orcid: bool
    # Set when removal was asked but ORCID refused even deletions with the token: the
    # researcher must delete the items on ORCID themselves.
    items_left_on_orcid: bool = False


def _withdraw_items(*, user) -> int:
    """Delete the institution's items from the researcher's record. The sync (putcodes, a
    layer above) answers `items_withdraw_requested`; its errors (`OrcidError`) propagate.
    Without a listener nothing was written by the portal: 0."""
    from .signals import items_withdraw_requested

    responses = items_withdraw_requested.send(sender=OrcidConnection, user=user)
    return sum(int(count or 0) for _, count in responses)


def connection_disconnect(*, connection: OrcidConnection, remove_items: bool, actor=None) -> DisconnectResult:
    """Disconnect the researcher's iD from the portal.

    In order: when `remove_items`, delete the items the institution put on the record
    (through `putcodes.services.researcher_withdraw_items`; if ORCID refuses even deletions
    with the token, the result says `items_left_on_orcid`); revoke the token at ORCID
    (`/oauth/revoke`); then mark the connection `disconnected` with its tokens wiped (a token
    the portal revoked is dead for every call) and unlink allauth's account.

    Raises `OrcidError` (e.g. `Unavailable`) when ORCID cannot be reached to remove items or
    revoke the token; the connection is then left as it was so the researcher can try again.
    A token ORCID already considers revoked counts as revoked.
    """
    if connection.status == OrcidConnection.Status.DISCONNECTED:
        return DisconnectResult(items_removed=None, revoked_at_orcid=False)
    items_removed = None
    items_left = False
    if remove_items:
        try:
            items_removed = _withdraw_items(user=connection.user)
        except TokenRevoked:
            # ORCID refuses even deletions with this token (the portal can no longer act on
            # the record); that must not keep the researcher from disconnecting.
            items_left = True
            logger.info("Could not withdraw the items of %s: ORCID refused the token", connection.user.username)
        else:
            _event(connection, ConnectionEvent.Kind.ITEMS_WITHDRAWN, detail=f"{items_removed} item(s) removed",
                   actor=actor)
    revoked = False
    tokens = [t for t in {connection.access_token, connection.refresh_token} if t]
    if connection.status == OrcidConnection.Status.ACTIVE or connection.revoked_by != OrcidConnection.RevokedBy.PORTAL:
        client = default_client()
        for token in tokens:
            try:
                client.token_revoke(token=token)
            except TokenRevoked:
                pass  # already dead at ORCID: the aim is met
            except OrcidError as error:
                if error.status in (400, 401) and connection.status != OrcidConnection.Status.ACTIVE:
                    continue  # ORCID no longer knows a token the researcher revoked
                raise
        revoked = bool(tokens)
    with transaction.atomic():
        locked = OrcidConnection.objects.select_for_update().get(pk=connection.pk)
        locked.access_token_encrypted = ""
        locked.refresh_token_encrypted = ""
        locked.status = OrcidConnection.Status.DISCONNECTED
        locked.revoked_by = OrcidConnection.RevokedBy.PORTAL
        locked.status_reason = "Disconnected by the researcher in the portal."
        now = timezone.now()
        locked.revoked_at = now
        locked.disconnected_at = now
        locked.save()
        _event(locked, ConnectionEvent.Kind.DISCONNECTED, detail="token revoked at ORCID" if revoked else "", actor=actor)
        _social_account_unlink(user=locked.user)
        _copy_state(locked, connection)
    logger.info("ORCID connection of %s disconnected", connection.user.username)
    return DisconnectResult(items_removed=items_removed, revoked_at_orcid=revoked, items_left_on_orcid=items_left)


def connection_keys_rotate(*, batch_size: int = 500) -> int:
    """Re-encrypt every stored token with the first key of TOKEN_ENCRYPTION_KEYS.

    Returns how many connections were rewritten. Raises `connections.crypto.TokenDecryptionError`
    when a token cannot be read with any configured key (nothing is lost: rows already done
    stay readable with the first key, the rest with the old keys).
    """
    from .crypto import token_reencrypt

    count = 0
    ids = list(
        OrcidConnection.objects.exclude(access_token_encrypted="", refresh_token_encrypted="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            for connection in OrcidConnection.objects.select_for_update().filter(pk__in=ids[start : start + batch_size]):
                connection.access_token_encrypted = token_reencrypt(connection.access_token_encrypted)
                connection.refresh_token_encrypted = token_reencrypt(connection.refresh_token_encrypted)
                connection.save(update_fields=["access_token_encrypted", "refresh_token_encrypted", "updated_at"])
                count += 1
    return count


# The record-state transitions live in connections.record_states (the state machine written
# once); callers reach them here with the other connection services.
from .record_states import (  # noqa: E402
    connection_mark_deactivated,
    connection_mark_deprecated,
    connection_mark_locked,
    connection_mark_usable,
    connection_record_refused,
)

__all__ = [
    "connection_connect", "connection_access_token", "connection_token_refused", "connection_call",
    "connection_record_probe", "connection_mark_revoked", "connection_disconnect", "connection_keys_rotate", "connection_mark_locked",
    "connection_mark_deactivated", "connection_mark_deprecated", "connection_mark_usable",
    "connection_record_refused",
]
