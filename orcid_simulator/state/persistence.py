"""Keeping the simulator's state in a JSON file across restarts (--state-file)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lxml import etree

from orcid_simulator.state.models import Item, Record, Token


class PersistenceState:
    """Mixed into `Simulator`."""

    # ---- persistence (optional) ---------------------------------------------------------------
    def save(self) -> None:
        if not self.state_file:
            return
        with self.lock:
            data = {
                "next_put_code": self.next_put_code,
                "default_rate": self.default_rate,
                "default_burst": self.default_burst,
                "organizations": sorted(self.organizations),
                "clients": [
                    {**c.public(), "secret": c.secret} for c in self.clients.values()
                ],
                "tokens": [t.__dict__ | {"scopes": sorted(t.scopes)} for t in self.tokens.values()],
                "records": [
                    {
                        "orcid": r.orcid, "given_names": r.given_names, "family_name": r.family_name,
                        "created": r.created.isoformat(), "modified": r.modified.isoformat(),
                        "default_visibility": r.default_visibility, "webhooks": r.webhooks,
                        "state": r.state, "primary": r.primary, "notifications": r.notifications,
                        "items": [
                            {"put_code": i.put_code, "kind": i.kind, "source_client_id": i.source_client_id,
                             "source_name": i.source_name, "visibility": i.visibility,
                             "created": i.created.isoformat(), "modified": i.modified.isoformat(),
                             "body": etree.tostring(i.body, encoding="unicode")}
                            for i in r.items.values()
                        ],
                    }
                    for r in self.records.values()
                ],
            }
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            tmp.replace(self.state_file)

    def load(self, path: Path) -> None:
        data = json.loads(Path(path).read_text())
        with self.lock:
            self.next_put_code = data.get("next_put_code", self.next_put_code)
            self.organizations |= {(source, identifier) for source, identifier in data.get("organizations", [])}
            saved_default = (data.get("default_rate"), data.get("default_burst"))
            for c in data.get("clients", []):
                # A client on the saved run's default limit takes this run's (--rate/--burst);
                # one registered with its own limit keeps it.
                on_default = (c.get("rate"), c.get("burst")) == saved_default or c["client_id"] == self.demo_client_id
                self.register_client(client_id=c["client_id"], secret=c["secret"], name=c["name"],
                                     redirect_uris=c.get("redirect_uris"),
                                     rate=None if on_default else c.get("rate"),
                                     burst=None if on_default else c.get("burst"), member=c.get("member", True))
            # The demo client's secret comes from settings, whatever the file says.
            self.clients[self.demo_client_id].secret = self.demo_client_secret
            for t in data.get("tokens", []):
                token = Token(**{**t, "scopes": frozenset(t["scopes"])})
                self.tokens[token.access_token] = token
                if token.refresh_token:
                    self.refresh_index[token.refresh_token] = token.access_token
            for r in data.get("records", []):
                record = Record(r["orcid"], r["given_names"], r["family_name"],
                                dt.datetime.fromisoformat(r["created"]), dt.datetime.fromisoformat(r["modified"]),
                                r.get("default_visibility", "public"), webhooks=r.get("webhooks", {}),
                                state=r.get("state", "active"), primary=r.get("primary"),
                                notifications=r.get("notifications", []))
                for i in r["items"]:
                    record.items[i["put_code"]] = Item(
                        i["put_code"], i["kind"], r["orcid"], i["source_client_id"], i["source_name"],
                        i["visibility"], dt.datetime.fromisoformat(i["created"]),
                        dt.datetime.fromisoformat(i["modified"]), etree.fromstring(i["body"]))
                self.records[record.orcid] = record


