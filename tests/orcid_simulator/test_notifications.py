"""Permission notifications (ORCID's inbox): POST /v3.0/{orcid}/notification-permission with a
client-credentials /premium-notification token, as orcid-model's notification-permission-3.0 says."""

from __future__ import annotations

import requests

from tests.orcid_simulator.conftest import Api, error_code


def _token(url: str, scope: str = "/premium-notification") -> str:
    from django.conf import settings

    response = requests.post(f"{url}/oauth/token", data={
        "client_id": settings.ORCID_DEMO_CLIENT_ID, "client_secret": settings.ORCID_DEMO_CLIENT_SECRET,
        "grant_type": "client_credentials", "scope": scope}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def notification_json(**extra) -> dict:
    body = {
        "notification-type": "permission",
        "authorization-url": {"uri": "https://orcid.org/oauth/authorize?client_id=APP-X&response_type=code"
                                     "&scope=/activities/update&redirect_uri=https://portal.example/orcid/callback"},
        "notification-subject": "your employment at Demo University",
        "notification-intro": "Demo University would like to add your employment to your ORCID record.",
        "items": {"item": [{"item-type": "employment", "item-name": "Professor of Mathematics"}]},
    }
    body.update(extra)
    return body


NOTIFICATION_XML = """<?xml version="1.0" encoding="UTF-8"?>
<notification:notification xmlns:notification="http://www.orcid.org/ns/notification"
    xmlns:common="http://www.orcid.org/ns/common">
  <notification:notification-type>permission</notification:notification-type>
  <notification:authorization-url><notification:path>/oauth/authorize?client_id=APP-X</notification:path>
  </notification:authorization-url>
  <notification:notification-subject>your works</notification:notification-subject>
  <notification:notification-intro>Let us add your works.</notification:notification-intro>
  <notification:items><notification:item>
    <notification:item-type>work</notification:item-type>
    <notification:item-name>On the analytical engine</notification:item-name>
    <common:external-id><common:external-id-type>doi</common:external-id-type>
      <common:external-id-value>10.5555/1</common:external-id-value>
      <common:external-id-relationship>self</common:external-id-relationship></common:external-id>
  </notification:item></notification:items>
</notification:notification>"""


def test_a_permission_notification_reaches_the_inbox_and_the_record_page(api: Api, orcid_simulator):
    token = _token(orcid_simulator.url)
    response = api.call("POST", "notification-permission", notification_json(), token=token)
    assert response.status_code == 201, response.text
    put_code = int(response.headers["Location"].rsplit("/", 1)[1])
    assert response.headers["Location"].endswith(f"/v3.0/{api.orcid}/notification-permission/{put_code}")
    [stored] = orcid_simulator.record(api.orcid)["notifications"]
    assert stored["subject"] == "your employment at Demo University" and stored["put_code"] == put_code
    assert stored["items"][0]["type"] == "employment"
    page = requests.get(f"{orcid_simulator.url}/{api.orcid}", timeout=10).text
    assert "your employment at Demo University" in page
    read = api.call("GET", f"notification-permission/{put_code}", token=token).json()
    assert read["put-code"] == put_code and read["archived-date"] is None
    archived = api.call("DELETE", f"notification-permission/{put_code}", token=token)
    assert archived.status_code == 200 and archived.json()["archived-date"]["value"]


def test_an_xml_notification_with_a_path_only_is_accepted(api: Api, orcid_simulator):
    response = api.call("POST", "notification-permission", NOTIFICATION_XML, token=_token(orcid_simulator.url))
    assert response.status_code == 201, response.text


def test_the_researchers_own_token_or_another_scope_cannot_notify(api: Api, orcid_simulator):
    assert api.call("POST", "notification-permission", notification_json()).status_code == 403
    response = api.call("POST", "notification-permission", notification_json(),
                        token=_token(orcid_simulator.url, "/read-public"))
    assert response.status_code == 403 and error_code(response) == 9038


def test_a_notification_orcid_would_refuse(api: Api, orcid_simulator):
    token = _token(orcid_simulator.url)
    cases = [
        (notification_json(items={"item": []}), 9047),
        (notification_json(items={"item": [{"item-type": "patent", "item-name": "X"}]}), 9047),
        (notification_json(**{"notification-intro": "x" * 1001}), 9047),
        (notification_json(**{"authorization-url": {}}), 9047),
        (notification_json(**{"authorization-url": {"uri": "https://orcid.org/oauth/authorize?a=b c"}}), 9020),
        (notification_json(items={"item": [{"item-type": "work", "item-name": "X", "external-id": {
            "external-id-type": "not-a-type", "external-id-value": "1", "external-id-relationship": "self"}}]}), 9023),
        (notification_json(colour="green"), 9047),
    ]
    for body, code in cases:
        response = api.call("POST", "notification-permission", body, token=token)
        assert response.status_code == 400 and error_code(response) == code, (body, response.text)
    assert orcid_simulator.record(api.orcid)["notifications"] == []


def test_a_locked_record_refuses_notifications_9018(api: Api, orcid_simulator):
    orcid_simulator.set_record_state(api.orcid, "locked")
    response = api.call("POST", "notification-permission", notification_json(), token=_token(orcid_simulator.url))
    assert response.status_code == 409 and error_code(response) == 9018
