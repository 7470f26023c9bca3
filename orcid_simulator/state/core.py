"""ORCID in memory: the `Simulator` that holds every client, record, item and token.

Everything here follows ORCID's behaviour; the HTTP layer (`orcid_simulator.app`) only parses
requests and renders answers. Methods raise `ApiError` / `OAuthError` with ORCID's codes.
"""

from __future__ import annotations

import random
import string
import threading
import uuid
from pathlib import Path
from typing import Any

from orcid_simulator.errors import ApiError
from orcid_simulator.schema import iso_now
from orcid_simulator.sections import SECTIONS
from orcid_simulator.state.items import ItemsState
from orcid_simulator.state.models import (
    MAX_WORKS, AuthCode, Client, Faults, Record, Token, TokenBucket, TokenFaults, _now, new_orcid,
)
from orcid_simulator.state.organizations import default_organizations
from orcid_simulator.state.oauth import OAuthState
from orcid_simulator.state.persistence import PersistenceState
from orcid_simulator.state.records import RecordStates
from orcid_simulator.state.webhooks import WebhookSender, WebhookState


class Simulator(OAuthState, ItemsState, WebhookState, PersistenceState, RecordStates):
    """ORCID in memory. Every public method takes the lock; webhook notifications are queued
    and sent after it is released, from a background thread."""

    def __init__(self, *, demo_client_id: str, demo_client_secret: str, rate: float = 24.0, burst: float = 40.0,
                 public_base_url: str = "", state_file: str | Path | None = None, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.rng = random.Random(seed)
        self.demo_client_id = demo_client_id
        self.demo_client_secret = demo_client_secret
        self.default_rate = self.initial_rate = rate
        self.default_burst = self.initial_burst = burst
        self.public_base_url = public_base_url
        self.state_file = Path(state_file) if state_file else None
        self.webhook_sender = WebhookSender()
        self._reset_locked()
        if self.state_file and self.state_file.exists():
            self.load(self.state_file)

    # ---- set-up ---------------------------------------------------------------------
    def _reset_locked(self) -> None:
        self.clients: dict[str, Client] = {}
        self.records: dict[str, Record] = {}
        self.tokens: dict[str, Token] = {}
        self.refresh_index: dict[str, str] = {}
        self.codes: dict[str, AuthCode] = {}
        self.next_put_code = 1000
        self.faults = Faults()
        self.max_works = MAX_WORKS
        self.calls: list[dict[str, Any]] = []
        self.token_faults = TokenFaults()
        self.organizations = default_organizations()
        self.register_client(client_id=self.demo_client_id, secret=self.demo_client_secret,
                             name="ORCID portal (demo member client)")

    def reset(self) -> None:
        """Back to the start: no records, tokens, faults or calls; only the demo client, with the
        rate limit the simulator was started with."""
        with self.lock:
            self.default_rate, self.default_burst = self.initial_rate, self.initial_burst
            self._reset_locked()
        self.save()

    def register_client(self, *, client_id: str | None = None, secret: str | None = None, name: str = "",
                        redirect_uris: list[str] | None = None, rate: float | None = None,
                        burst: float | None = None, member: bool = True) -> Client:
        """Add (or replace) a client with its own rate-limit bucket."""
        with self.lock:
            client_id = client_id or "APP-" + "".join(self.rng.choice(string.ascii_uppercase + string.digits)
                                                      for _ in range(16))
            client = Client(
                client_id=client_id,
                secret=secret or str(uuid.uuid4()),
                name=name or client_id,
                redirect_uris=list(redirect_uris or []),
                rate=float(rate if rate is not None else self.default_rate),
                burst=float(burst if burst is not None else self.default_burst),
                member=member,
            )
            client.bucket = TokenBucket(client.rate, client.burst)
            self.clients[client_id] = client
            return client

    def set_rate_limit(self, *, rate: float, burst: float) -> None:
        with self.lock:
            self.default_rate, self.default_burst = rate, burst
            for client in self.clients.values():
                client.rate, client.burst = rate, burst
                client.bucket = TokenBucket(rate, burst)

    # ---- records ----------------------------------------------------------------------
    def create_record(self, *, given_names: str = "", family_name: str = "") -> Record:
        with self.lock:
            while True:
                orcid = new_orcid(self.rng)
                if orcid not in self.records:
                    break
            now = _now()
            record = Record(orcid=orcid, given_names=given_names or "Sam", family_name=family_name or "Researcher",
                            created=now, modified=now)
            self.records[orcid] = record
            return record

    def record(self, orcid: str) -> Record:
        record = self.records.get(orcid)
        if record is None:
            # OrcidNoResultException: 404 9016 (ORCID answers the same for an unknown iD).
            raise ApiError(9016, detail=f"Unable to find the record for {orcid}")
        return record


    # ---- call log and faults --------------------------------------------------------------
    def log_call(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.calls.append(entry)
            if len(self.calls) > 20000:
                del self.calls[: len(self.calls) - 20000]

    # ---- the control view of a record ------------------------------------------------------
    def snapshot(self, orcid: str, render_json) -> dict[str, Any]:
        with self.lock:
            record = self.record(orcid)
            return {
                "orcid": record.orcid,
                "name": record.name,
                "given_names": record.given_names,
                "family_name": record.family_name,
                "default_visibility": record.default_visibility,
                "state": record.state,
                "primary": record.primary,
                "sections": {kind: sum(1 for i in record.items.values() if i.kind == kind) for kind in SECTIONS},
                "notifications": list(record.notifications),
                "webhooks": [{"url": url, "client_id": cid} for url, cid in record.webhooks.items()],
                "tokens": [
                    {"client_id": t.client_id, "scope": t.scope_string(), "status": t.status,
                     "access_token_hint": t.access_token[:8] + "…"}
                    for t in self.tokens.values() if t.orcid == orcid
                ],
                "items": [
                    {
                        "put_code": item.put_code,
                        "kind": item.kind,
                        "source_client_id": item.source_client_id,
                        "source_name": item.source_name,
                        "visibility": item.visibility,
                        "created": iso_now(item.created),
                        "last_modified": iso_now(item.modified),
                        "body": render_json(item),
                    }
                    for item in record.items.values()
                ],
            }


    # ---- the inbox ---------------------------------------------------------------------------
    def add_notification(self, *, orcid: str, client: Client, notification: dict[str, Any]) -> int:
        """A permission notification from `client` in the record's inbox; returns its put-code."""
        with self.lock:
            record = self.record(orcid)
            put_code = self._allocate_put_code()
            record.notifications.append({"put_code": put_code, "type": "permission",
                                         "source_client_id": client.client_id, "source_name": client.name,
                                         "created": iso_now(_now()), **notification})
        self.save()
        return put_code

    def notification(self, *, orcid: str, put_code: int, client: Client, archive: bool = False) -> dict[str, Any]:
        """One of `client`'s notifications on the record (404 9016 otherwise); `archive` flags it
        archived, as DELETE does on ORCID."""
        with self.lock:
            record = self.record(orcid)
            for notification in record.notifications:
                if notification["put_code"] == put_code and notification["source_client_id"] == client.client_id:
                    if archive and not notification.get("archived"):
                        notification["archived"] = iso_now(_now())
                    return dict(notification)
        raise ApiError(9016, detail=f"No notification found with put-code {put_code}")
