"""Running and steering the simulator from tests and demos.

    with running_simulator() as sim:
        record = sim.control.create_record(name="Ada Lovelace")
        ...  # talk to sim.url as to ORCID
        sim.control.researcher_delete(record["orcid"], put_code)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from orcid_simulator.server import RunningSimulator, serve


class SimulatorControl:
    """A thin wrapper over the `/_simulator/` control interface of a running simulator."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, expected: tuple[int, ...] = (200, 201, 204), **kwargs) -> Any:
        response = self.session.request(method, f"{self.url}/_simulator{path}", timeout=self.timeout, **kwargs)
        if response.status_code not in expected:
            raise AssertionError(f"simulator control {method} {path}: {response.status_code} {response.text}")
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # Records ---------------------------------------------------------------------------------
    def create_record(self, name: str | None = None, *, client_id: str | None = None, scopes: str | None = None,
                      **extra: Any) -> dict:
        """A new record and a token for it, as if its researcher had consented:
        {"orcid", "access_token", "refresh_token", ...}."""
        payload = {k: v for k, v in {"name": name, "client_id": client_id, "scopes": scopes, **extra}.items()
                   if v is not None}
        return self._call("POST", "/records", json=payload)

    def records(self) -> list[dict]:
        return self._call("GET", "/records")

    def record(self, orcid: str) -> dict:
        """Everything on the record: items (put_code, kind, source_client_id, source_name,
        visibility, body in ORCID's JSON), webhooks, tokens (never whole)."""
        return self._call("GET", f"/records/{orcid}")

    def issue_token(self, orcid: str, *, client_id: str | None = None, scopes: str | None = None) -> dict:
        return self._call("POST", f"/records/{orcid}/tokens",
                          json={k: v for k, v in {"client_id": client_id, "scopes": scopes}.items() if v})

    def add_item(self, orcid: str, *, kind: str = "work", body: dict | str, client_id: str | None = None,
                 source_name: str | None = None, visibility: str | None = None, validate: bool = True) -> dict:
        """Add an item from another source (default "Crossref Metadata Search"). `body` is ORCID
        JSON (dict) or XML (str). Returns {"put_code", "source_client_id", ...}."""
        payload = {"kind": kind, "body": body, "client_id": client_id, "source_name": source_name,
                   "visibility": visibility, "validate": validate}
        return self._call("POST", f"/records/{orcid}/items", json={k: v for k, v in payload.items()
                                                                     if v is not None})

    # Acting as the researcher ------------------------------------------------------------------
    def researcher_delete(self, orcid: str, put_code: int) -> None:
        self._call("DELETE", f"/records/{orcid}/items/{int(put_code)}")

    def researcher_set_visibility(self, orcid: str, put_code: int, visibility: str) -> dict:
        return self._call("POST", f"/records/{orcid}/items/{int(put_code)}/visibility",
                          json={"visibility": visibility})

    def researcher_revoke(self, orcid: str, client_id: str | None = None) -> int:
        """Revoke the client's (default: every client's) tokens for the record, as the researcher
        does under "Trusted organizations". Returns how many tokens were revoked."""
        return self._call("POST", f"/records/{orcid}/revoke",
                          json={"client_id": client_id} if client_id else {})["revoked"]

    def expire_token(self, access_token: str) -> None:
        """The token expires now: calls with it get 401 invalid_token "Access token expired: ..."."""
        self._call("POST", "/tokens/expire", json={"access_token": access_token})

    def set_record_state(self, orcid: str, state: str, primary: str | None = None) -> dict:
        """active | locked | deactivated | deprecated (into `primary`), answered as ORCID does."""
        payload = {"state": state, **({"primary": primary} if primary else {})}
        return self._call("PUT", f"/records/{orcid}/state", json=payload)

    def set_token_faults(self, *, count: int = 1, status: int = 401, grant_types: list[str] | None = None) -> dict:
        """The next `count` calls to /oauth/token fail: 401 {"error": "server_error"} (ORCID's
        authorisation server threw), 500 the same, or 502/503/504 nginx's page."""
        return self._call("PUT", "/token-faults", json={"count": count, "status": status,
                                                        "grant_types": grant_types or []})

    def clear_token_faults(self) -> dict:
        return self._call("DELETE", "/token-faults")

    def add_organization(self, source: str, identifier: str) -> list[dict]:
        """Make a disambiguated organisation known to ORCID (others are 400 9045)."""
        return self._call("POST", "/organizations", json={"source": source, "identifier": identifier})

    def organizations(self) -> list[dict]:
        return self._call("GET", "/organizations")

    # Clients, faults, calls ---------------------------------------------------------------------
    def register_client(self, *, client_id: str | None = None, secret: str | None = None, name: str = "",
                        redirect_uris: list[str] | None = None, rate: float | None = None,
                        burst: float | None = None) -> dict:
        payload = {"client_id": client_id, "secret": secret, "name": name, "redirect_uris": redirect_uris,
                   "rate": rate, "burst": burst}
        return self._call("POST", "/clients", json={k: v for k, v in payload.items() if v is not None})

    def clients(self) -> list[dict]:
        return self._call("GET", "/clients")

    def set_faults(self, *, error_rate: float = 0.0, error_statuses: list[int] | None = None, latency_ms: tuple[int, int] | list[int] | int = (0, 0),
                   rate_limit_burst: int = 0, drop_after_commit_rate: float = 0.0,
                   paths: list[str] | None = None, methods: list[str] | None = None) -> dict:
        """Replace the faults (no arguments: none). `paths` / `methods` restrict them to calls
        whose path contains one of the strings / with one of the methods."""
        if isinstance(latency_ms, int):
            latency_ms = (latency_ms, latency_ms)
        return self._call("PUT", "/faults", json={
            "error_rate": error_rate, "error_statuses": error_statuses or [], "latency_ms": list(latency_ms), "rate_limit_burst": rate_limit_burst,
            "drop_after_commit_rate": drop_after_commit_rate, "paths": paths or [], "methods": methods or []})

    def clear_faults(self) -> dict:
        return self._call("DELETE", "/faults")

    def set_rate_limit(self, *, rate: float, burst: float) -> dict:
        return self._call("PUT", "/rate-limit", json={"rate": rate, "burst": burst})

    def calls(self) -> list[dict]:
        """The log of ORCID calls: method, path, status (None: connection dropped), client_id,
        time, duration_ms, fault."""
        return self._call("GET", "/calls")

    def clear_calls(self) -> None:
        self._call("DELETE", "/calls")

    def webhooks_sent(self) -> list[dict]:
        return self._call("GET", "/webhooks/sent")

    def reset(self, *, rate: float | None = None, burst: float | None = None) -> None:
        """Forget everything: records, tokens, clients (but the demo one), faults, calls."""
        payload = {k: v for k, v in {"rate": rate, "burst": burst}.items() if v is not None}
        self._call("POST", "/reset", json=payload)


@dataclass
class SimulatorHandle:
    url: str
    control: SimulatorControl
    running: RunningSimulator

    @property
    def simulator(self):
        return self.running.simulator


@contextlib.contextmanager
def running_simulator(host: str = "127.0.0.1", port: int = 0, **options: Any) -> Iterator[SimulatorHandle]:
    """Start a simulator in a daemon thread (port 0: a free port) and stop it afterwards.
    `options`: rate, burst, state_file, seed."""
    running = serve(host=host, port=port, background=True, **options)
    try:
        yield SimulatorHandle(url=running.url, control=SimulatorControl(running.url), running=running)
    finally:
        running.stop()
