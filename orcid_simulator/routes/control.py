"""The `/_simulator/` control interface (CONTRACT §6): records, record states, items from other
sources, tokens, token-endpoint faults, organisations, clients, faults, the call log, reset."""

from __future__ import annotations

import time

from lxml import etree
from werkzeug.wrappers import Response

from orcid_simulator import rendering
from orcid_simulator.errors import ApiError
from orcid_simulator.http_helpers import json_body, json_response
from orcid_simulator.schema import SchemaError
from orcid_simulator.sections import SECTIONS
from orcid_simulator.state import DEFAULT_SCOPES, Faults, Item, TokenFaults
from orcid_simulator.state.organizations import canonical_org_id


class ControlRoutes:
    """Mixed into `SimulatorApp`."""

    # ---- control interface -------------------------------------------------------------------------
    def _item_json(self, item: Item) -> object:
        return self.schema.xml_to_json(rendering.item_element(item), self.schema.element(*SECTIONS[item.kind].root))

    def on_ctl_records(self, request, context):
        if request.method == "GET":
            with self.sim.lock:
                return json_response([{"orcid": r.orcid, "name": r.name, "items": len(r.items), "state": r.state}
                                      for r in self.sim.records.values()])
        data = json_body(request)
        client_id = data.get("client_id") or self.sim.demo_client_id
        if client_id not in self.sim.clients:
            # Refused before anything is made: a failed call leaves no record behind.
            return json_response({"error": f"unknown client {client_id}"}, 400)
        name = (data.get("name") or "").strip()
        given = data.get("given_names") or (name.split(" ", 1)[0] if name else "")
        family = data.get("family_name") or (name.split(" ", 1)[1] if " " in name else "")
        record = self.sim.create_record(given_names=given, family_name=family)
        if data.get("default_visibility"):
            record.default_visibility = data["default_visibility"]
        token = self.sim.issue_token_for_record(orcid=record.orcid, client_id=client_id,
                                                scopes=data.get("scopes") or DEFAULT_SCOPES)
        return json_response({"orcid": record.orcid, "name": record.name, "access_token": token.access_token,
                              "refresh_token": token.refresh_token, "scope": token.scope_string(),
                              "client_id": client_id, "expires_in": int(token.expires_at - time.time())}, 201)

    def on_ctl_record(self, request, context, orcid):
        try:
            return json_response(self.sim.snapshot(orcid, self._item_json))
        except ApiError:
            return json_response({"error": f"no record {orcid}"}, 404)

    def on_ctl_items(self, request, context, orcid):
        """Add an item as another source would (Crossref, a second university...)."""
        data = json_body(request)
        kind = data.get("kind", "work")
        if kind not in SECTIONS:
            return json_response({"error": f"kind must be one of {', '.join(SECTIONS)}"}, 400)
        client_id = data.get("client_id")
        source_name = data.get("source_name")
        if client_id and client_id not in self.sim.clients:
            self.sim.register_client(client_id=client_id, name=source_name or client_id)
        if not client_id:
            wanted = source_name or "Crossref Metadata Search"
            match = [c for c in self.sim.clients.values() if c.name == wanted]
            client = match[0] if match else self.sim.register_client(name=wanted)
            client_id = client.client_id
        client = self.sim.clients[client_id]
        body = data.get("body")
        try:
            if isinstance(body, str):
                element = etree.fromstring(body.encode())
                self.schema.validate(element, kind)
            else:
                element = self.schema.json_to_xml(body or {}, self.schema.element(*SECTIONS[kind].root))
                self.schema.validate(element, kind)
            if data.get("validate", True):
                self._validate(kind, element, create=True, original=None)
        except (SchemaError, etree.XMLSyntaxError) as exc:
            return json_response({"error": str(exc)}, 400)
        except ApiError as error:
            return json_response(error.body(), 400)
        try:
            item = self.sim.create_item(orcid=orcid, kind=kind, body=element, client=client,
                                        visibility=data.get("visibility"), source_name=source_name or client.name)
        except ApiError as error:
            return json_response(error.body(), error.status)
        return json_response({"put_code": item.put_code, "kind": kind, "source_client_id": client.client_id,
                              "source_name": item.source_name, "visibility": item.visibility}, 201)

    def on_ctl_item(self, request, context, orcid, put_code):
        try:
            if request.method == "DELETE":
                self.sim.researcher_delete(orcid=orcid, put_code=put_code)
                return Response(b"", 204)
            data = json_body(request)
            item = self.sim.researcher_set_visibility(orcid=orcid, put_code=put_code,
                                                      visibility=data.get("visibility", ""))
            return json_response({"put_code": item.put_code, "visibility": item.visibility})
        except ApiError:
            return json_response({"error": f"no item {put_code} on {orcid}"}, 404)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)

    def on_ctl_visibility(self, request, context, orcid, put_code):
        return self.on_ctl_item(request, context, orcid, put_code)

    def on_ctl_revoke(self, request, context, orcid):
        data = json_body(request)
        try:
            count = self.sim.revoke_by_researcher(orcid=orcid, client_id=data.get("client_id"))
        except ApiError:
            return json_response({"error": f"no record {orcid}"}, 404)
        return json_response({"revoked": count})

    def on_ctl_tokens(self, request, context, orcid):
        data = json_body(request)
        try:
            token = self.sim.issue_token_for_record(orcid=orcid, client_id=data.get("client_id") or
                                                    self.sim.demo_client_id, scopes=data.get("scopes") or
                                                    DEFAULT_SCOPES)
        except (ApiError, KeyError) as exc:
            return json_response({"error": str(exc)}, 404)
        return json_response({"orcid": orcid, "access_token": token.access_token,
                              "refresh_token": token.refresh_token, "scope": token.scope_string()}, 201)

    def on_ctl_token_expire(self, request, context):
        data = json_body(request)
        if not self.sim.expire_token(str(data.get("access_token") or "")):
            return json_response({"error": "no such access token"}, 404)
        return json_response({"expired": True})

    def on_ctl_clients(self, request, context):
        if request.method == "GET":
            return json_response([c.public() for c in self.sim.clients.values()])
        data = json_body(request)
        client = self.sim.register_client(
            client_id=data.get("client_id"), secret=data.get("secret") or data.get("client_secret"),
            name=data.get("name", ""), redirect_uris=data.get("redirect_uris"), rate=data.get("rate"),
            burst=data.get("burst"), member=data.get("member", True))
        return json_response({**client.public(), "secret": client.secret}, 201)

    def on_ctl_faults(self, request, context):
        if request.method == "GET":
            return json_response(self.sim.faults.public())
        if request.method == "DELETE":
            with self.sim.lock:
                self.sim.faults = Faults()
            return json_response(self.sim.faults.public())
        data = json_body(request)
        latency = data.get("latency_ms") or [0, 0]
        if isinstance(latency, (int, float)):
            latency = [latency, latency]
        faults = Faults(
            error_rate=float(data.get("error_rate", 0.0)),
            error_statuses=_error_statuses(data.get("error_statuses")),
            latency_ms=(int(latency[0]), int(latency[1])),
            rate_limit_burst=int(data.get("rate_limit_burst", 0)),
            drop_after_commit_rate=float(data.get("drop_after_commit_rate", 0.0)),
            paths=list(data.get("paths") or []),
            methods=list(data.get("methods") or []),
        )
        with self.sim.lock:
            self.sim.faults = faults
        return json_response(faults.public())

    def on_ctl_rate_limit(self, request, context):
        if request.method != "GET":
            data = json_body(request)
            self.sim.set_rate_limit(rate=float(data.get("rate", self.sim.default_rate)),
                                    burst=float(data.get("burst", self.sim.default_burst)))
        return json_response({"rate": self.sim.default_rate, "burst": self.sim.default_burst})

    def on_ctl_calls(self, request, context):
        with self.sim.lock:
            if request.method == "DELETE":
                self.sim.calls.clear()
                return json_response([])
            return json_response(list(self.sim.calls))

    def on_ctl_webhooks_sent(self, request, context):
        sender = self.sim.webhook_sender
        if request.method == "DELETE":
            sender.sent.clear()
        return json_response([{"url": url, "status": status} for url, status in list(sender.sent)])

    def on_ctl_reset(self, request, context):
        data = json_body(request)
        self.sim.reset()
        if data.get("rate") or data.get("burst"):
            self.sim.set_rate_limit(rate=float(data.get("rate", self.sim.default_rate)),
                                    burst=float(data.get("burst", self.sim.default_burst)))
        return json_response({"reset": True})

    def on_ctl_record_state(self, request, context, orcid):
        """PUT {"state": "active"|"locked"|"deactivated"|"deprecated", "primary": "<orcid>"}."""
        try:
            record = self.sim.record(orcid)
            if request.method != "GET":
                data = json_body(request)
                record = self.sim.set_record_state(orcid=orcid, state=str(data.get("state") or ""),
                                                   primary=data.get("primary"))
        except ApiError:
            return json_response({"error": f"no record {orcid}"}, 404)
        return json_response({"orcid": record.orcid, "state": record.state, "primary": record.primary})

    def on_ctl_token_faults(self, request, context):
        """The next `count` calls to /oauth/token fail with `status` (401: ORCID's server_error)."""
        if request.method == "DELETE":
            with self.sim.lock:
                self.sim.token_faults = TokenFaults()
        elif request.method != "GET":
            data = json_body(request)
            status = int(data.get("status", 401))
            if status not in (401, 500, 502, 503, 504):
                raise ValueError("status must be 401, 500, 502, 503 or 504")
            with self.sim.lock:
                self.sim.token_faults = TokenFaults(count=int(data.get("count", 1)), status=status,
                                                    grant_types=list(data.get("grant_types") or []))
        return json_response(self.sim.token_faults.public())

    def on_ctl_organizations(self, request, context):
        """The disambiguated organisations ORCID knows (others are 400 9045): GET lists them,
        POST {"source": "ROR", "identifier": "https://ror.org/..."} adds one."""
        if request.method == "POST":
            data = json_body(request)
            source = str(data.get("source") or "").upper()
            identifier = str(data.get("identifier") or data.get("id") or "")
            if not source or not identifier:
                raise ValueError("source and identifier are required")
            with self.sim.lock:
                self.sim.organizations.add((source, canonical_org_id(source, identifier)))
        with self.sim.lock:
            known = sorted(self.sim.organizations)
        return json_response([{"source": source, "identifier": identifier} for source, identifier in known])


def _error_statuses(value) -> list[int]:
    """The statuses a random fault picks from (default: 500, 502, 503, 504); others are refused,
    as the simulator answers only these."""
    if value in (None, []):
        return [500, 502, 503, 504]
    statuses = [int(v) for v in value]
    if not set(statuses) <= {500, 502, 503, 504}:
        raise ValueError("error_statuses: each one of 500, 502, 503, 504")
    return statuses
