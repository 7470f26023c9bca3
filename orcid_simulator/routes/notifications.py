"""ORCID's inbox and webhooks: permission notifications (POST /v3.0/{orcid}/notification-permission,
client credentials with /premium-notification) and webhook registration (/webhook scope)."""

from __future__ import annotations

import json
import urllib.parse

from werkzeug.wrappers import Request, Response

from orcid_simulator.errors import ApiError
from orcid_simulator.http import bearer

NOTIFICATION_SCOPES = {"/premium-notification"}


class NotificationRoutes:
    """Mixed into `SimulatorApp`."""

    def on_notification_create(self, request: Request, context: dict, orcid: str) -> Response:
        """A permission notification in the record's inbox (orcid-model notification-permission-3.0:
        notification-type "permission", an authorization-url (uri or path), optional
        notification-subject, notification-intro and items). 201 with its Location."""
        token, client = self._token(request, orcid, write=True, scopes=NOTIFICATION_SCOPES)
        if token.orcid is not None:
            # The member API takes permission notifications from client-credentials tokens only.
            raise ApiError(9038)
        notification = _notification_fields(request)
        put_code = self.sim.add_notification(orcid=orcid, client=client, notification=notification)
        location = f"{request.host_url.rstrip('/')}/v3.0/{orcid}/notification-permission/{put_code}"
        return Response(b"", 201, headers={"Location": location})

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


def _notification_fields(request: Request) -> dict:
    """The fields of a JSON permission notification, checked as ORCID's model reads them."""
    content_type = (request.headers.get("Content-Type") or "").lower()
    if "json" not in content_type:
        raise ApiError(9001, detail="The simulator takes permission notifications as JSON", http_status=415)
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except ValueError as exc:
        raise ApiError(9001, detail=f"Invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(9047, detail="Couldn't read object, data seems to be empty or invalid")
    known = {"notification-type", "authorization-url", "notification-subject", "notification-intro", "items",
             "put-code", "created-date", "sent-date", "read-date", "archived-date", "source"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ApiError(9047, detail=f'Unrecognized field "{unknown[0]}" in "notification-permission"')
    if data.get("notification-type", "permission") != "permission":
        raise ApiError(9047, detail="notification-type must be permission")
    url = data.get("authorization-url") or {}
    if not isinstance(url, dict) or not (url.get("uri") or url.get("path")):
        raise ApiError(9020, detail="Please specify an authorization-url (uri or path)")
    items = (data.get("items") or {}).get("item") or [] if isinstance(data.get("items"), dict) else []
    for item in items:
        if not isinstance(item, dict) or not item.get("item-type") or not item.get("item-name"):
            raise ApiError(9020, detail="Each notification item needs an item-type and an item-name")
    return {
        "authorization_url": url.get("uri") or url.get("path"),
        "subject": data.get("notification-subject"),
        "intro": data.get("notification-intro"),
        "items": [{"type": i["item-type"], "name": i["item-name"]} for i in items],
    }
