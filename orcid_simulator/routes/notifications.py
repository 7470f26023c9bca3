"""ORCID's inbox and webhooks: permission notifications (POST /v3.0/{orcid}/notification-permission,
client credentials with /premium-notification) and webhook registration (/webhook scope)."""

from __future__ import annotations

import json
import urllib.parse

from lxml import etree
from werkzeug.wrappers import Request, Response

from orcid_simulator.errors import ApiError
from orcid_simulator.http_helpers import bearer, json_response
from orcid_simulator.identifiers import IDENTIFIER_TYPES
from orcid_simulator.schema import NS

NOTIFICATION_SCOPES = {"/premium-notification"}
N = "http://www.orcid.org/ns/notification"
NSS = {"n": N, "common": NS["common"]}
ITEM_TYPES = frozenset({"employment", "education", "qualification", "invited-position", "distinction", "membership",
                        "service", "funding", "work", "peer-review"})
JSON_FIELDS = frozenset({"notification-type", "authorization-url", "notification-subject", "notification-intro",
                         "items", "put-code", "created-date", "sent-date", "read-date", "actioned-date",
                         "archived-date", "source"})


class NotificationRoutes:
    """Mixed into `SimulatorApp`."""

    def _notification_token(self, request: Request, orcid: str):
        token, client = self._token(request, orcid, write=True, scopes=NOTIFICATION_SCOPES)
        if token.orcid is not None:
            # Permission notifications come with client-credentials tokens only.
            raise ApiError(9038)
        return client

    def on_notification_create(self, request: Request, context: dict, orcid: str) -> Response:
        """A permission notification in the record's inbox; 201 with its Location
        (NotificationsApiServiceDelegatorImpl.addPermissionNotification)."""
        client = self._notification_token(request, orcid)
        notification = read_notification(request)
        put_code = self.sim.add_notification(orcid=orcid, client=client, notification=notification)
        location = f"{request.host_url.rstrip('/')}/v3.0/{orcid}/notification-permission/{put_code}"
        return Response(b"", 201, headers={"Location": location})

    def on_notification(self, request: Request, context: dict, orcid: str, put_code: str) -> Response:
        """GET reads one of the client's notifications; DELETE flags it archived (200)."""
        client = self._notification_token(request, orcid)
        notification = self.sim.notification(orcid=orcid, put_code=self._put_code(put_code), client=client,
                                             archive=request.method == "DELETE")
        return json_response(notification_json(notification))

    def on_webhook(self, request: Request, context: dict, orcid: str, callback: str) -> Response:
        token = self.sim.authenticate(bearer(request), request.method)
        client = self.sim.clients[token.client_id]
        if "/webhook" not in token.scopes:
            raise ApiError(9038)
        url = urllib.parse.unquote(callback)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ApiError(9012, detail=f"Webhook uri: {url} is syntactically incorrect")
        if request.method == "DELETE":
            self.sim.webhook_unregister(orcid=orcid, url=url, client=client)
            return Response(b"", 204)
        created = self.sim.webhook_register(orcid=orcid, url=url, client=client)
        return Response(b"", 201 if created else 204)


def read_notification(request: Request) -> dict:
    """The fields of a permission notification (JSON or XML), checked as ORCID's model and
    notification-permission-3.0.xsd require: notification-type "permission", an authorization-url
    (uri or path), notification-subject, notification-intro (at most 1000 characters) and at least
    one item (item-type among the activity types, item-name, an optional external-id). A body
    that breaks the XSD is 9001 in XML, 9047 in JSON (InvalidJSONException)."""
    content_type = (request.headers.get("Content-Type") or "").lower()
    raw = request.get_data(cache=True)
    if "json" in content_type:
        data, code = _from_json(raw), 9047
    elif "xml" in content_type or not content_type:
        data, code = _from_xml(raw), 9001
    else:
        raise ApiError(9001, detail=f"Unsupported media type {content_type}", http_status=415)
    return _checked(data, code)


def _from_json(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(9001, detail=f"Invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(9047, detail="Couldn't read object, data seems to be empty or invalid")
    unknown = sorted(set(data) - JSON_FIELDS)
    if unknown:
        raise ApiError(9047, detail=f'Unrecognized field "{unknown[0]}" in "notification-permission"')
    url = data.get("authorization-url") or {}
    items = data.get("items") or {}
    return {
        "type": _value(data.get("notification-type")),
        "uri": _value(url.get("uri")) if isinstance(url, dict) else None,
        "path": _value(url.get("path")) if isinstance(url, dict) else None,
        "subject": _value(data.get("notification-subject")),
        "intro": _value(data.get("notification-intro")),
        "items": [
            {"type": _value(i.get("item-type")), "name": _value(i.get("item-name")),
             "external_id": _external_id_json(i.get("external-id"))}
            for i in (items.get("item") or [] if isinstance(items, dict) else []) if isinstance(i, dict)
        ],
    }


def _value(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("value")
    return None if value is None else str(value)


def _external_id_json(ext) -> dict | None:
    if not isinstance(ext, dict):
        return None
    return {key: _value(ext.get(f"external-id-{key}")) for key in ("type", "value", "relationship")}


def _from_xml(raw: bytes) -> dict:
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ApiError(9001, detail=str(exc)) from None
    if root.tag != f"{{{N}}}notification":
        raise ApiError(9001, detail=f"unexpected element {root.tag} (expected {{{N}}}notification)")

    def text(node, path):
        found = node.find(path, NSS)
        return None if found is None else (found.text or "").strip()

    items = []
    for item in root.findall("n:items/n:item", NSS):
        ext = item.find("common:external-id", NSS)
        items.append({"type": text(item, "n:item-type"), "name": text(item, "n:item-name"),
                      "external_id": None if ext is None else {
                          key: text(ext, f"common:external-id-{key}") for key in ("type", "value", "relationship")}})
    return {"type": text(root, "n:notification-type"), "uri": text(root, "n:authorization-url/n:uri"),
            "path": text(root, "n:authorization-url/n:path"), "subject": text(root, "n:notification-subject"),
            "intro": text(root, "n:notification-intro"), "items": items}


def _checked(data: dict, code: int) -> dict:
    if data["type"] != "permission":
        raise ApiError(code, detail="notification-type must be 'permission'")
    if not (data["uri"] or data["path"]):
        raise ApiError(code, detail="authorization-url needs a uri or a path")
    if data["subject"] is None or data["intro"] is None:
        raise ApiError(code, detail="notification-subject and notification-intro are required")
    if len(data["intro"]) > 1000:
        raise ApiError(code, detail="notification-intro is longer than 1000 characters")
    if not data["items"]:
        raise ApiError(code, detail="items needs at least one item")
    for item in data["items"]:
        if item["type"] not in ITEM_TYPES or not item["name"] or len(item["name"]) > 1000:
            raise ApiError(code, detail=f"invalid item: {item['type']} {item['name']!r:.60}")
    if data["uri"]:
        try:
            urllib.parse.urlsplit(data["uri"])
            if any(ch in data["uri"] for ch in ' <>"{}|\\^`'):
                raise ValueError(data["uri"])
        except ValueError:
            # NotificationValidationManagerImpl: new URI(uri) failed.
            raise ApiError(9020, detail="Bad authorization uri") from None
    _check_item_ids(data["items"])
    return {"authorization_url": data["uri"] or data["path"], "subject": data["subject"], "intro": data["intro"],
            "items": data["items"]}


def _check_item_ids(items: list[dict]) -> None:
    """ExternalIDValidator.validateNotificationItems: known types, a value, a relationship."""
    errors = []
    for item in items:
        ext = item["external_id"]
        if not ext or not ext.get("type"):
            continue
        if ext["type"] not in IDENTIFIER_TYPES:
            errors.append(ext["type"])
        if not ext.get("value"):
            errors.append("value")
        if not ext.get("relationship"):
            errors.append("relationship")
    if errors:
        raise ApiError(9023, detail="Invalid external-id " + "".join(" " + e for e in errors))


def notification_json(n: dict) -> dict:
    """A stored notification as ORCID's JSON reads it back."""
    return {
        "notification-type": "permission",
        "authorization-url": {"uri": n.get("authorization_url"), "path": None, "host": None},
        "notification-subject": n.get("subject"),
        "notification-intro": n.get("intro"),
        "items": {"item": [{"item-type": i["type"], "item-name": i["name"], "external-id": None}
                           for i in n.get("items", [])]},
        "created-date": {"value": n.get("created")},
        "archived-date": {"value": n["archived"]} if n.get("archived") else None,
        "source": {"source-client-id": {"path": n.get("source_client_id")},
                   "source-name": {"value": n.get("source_name")}},
        "put-code": n.get("put_code"),
    }
