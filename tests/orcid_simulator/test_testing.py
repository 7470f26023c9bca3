"""The control interface (CONTRACT §6) through SimulatorControl, and running_simulator."""

from __future__ import annotations

import requests
from stdnum.iso7064 import mod_11_2

from orcid_simulator.testing import running_simulator

from .conftest import Api, work_json


def test_creating_a_record_answers_201_with_an_orcid_and_tokens(orcid_simulator):
    response = requests.post(f"{orcid_simulator.url}/_simulator/records", json={"name": "Ada Lovelace"}, timeout=10)
    assert response.status_code == 201
    body = response.json()
    assert {"orcid", "access_token", "refresh_token"} <= set(body)
    assert body["orcid"].startswith("0000-0002-")
    assert mod_11_2.is_valid(body["orcid"].replace("-", ""))
    assert body["scope"] == "/activities/update /read-limited"


def test_a_record_can_be_made_for_another_client_and_scope(orcid_simulator):
    client = orcid_simulator.register_client(name="HR system", client_id="APP-HR00000000000001")
    record = orcid_simulator.create_record(name="Bo", client_id=client["client_id"], scopes="/read-limited")
    (token,) = orcid_simulator.record(record["orcid"])["tokens"]
    assert token["client_id"] == "APP-HR00000000000001" and token["scope"] == "/read-limited"
    assert record["access_token"] not in str(orcid_simulator.record(record["orcid"]))


def test_the_record_view_lists_every_item_with_its_source_visibility_and_body(orcid_simulator, api: Api):
    put_code = api.put_code_of(api.post_work(work_json(title="Mine")))
    crossref = orcid_simulator.add_item(api.orcid, kind="work", source_name="Crossref Metadata Search",
                                        body=work_json("10.5555/other", title="Theirs"), visibility="limited")
    items = {i["put_code"]: i for i in orcid_simulator.record(api.orcid)["items"]}
    assert items[put_code]["source_client_id"] == "APP-DEMO000000000001"
    assert items[put_code]["kind"] == "work" and items[put_code]["visibility"] == "public"
    assert items[put_code]["body"]["title"]["title"]["value"] == "Mine"
    theirs = items[crossref["put_code"]]
    assert theirs["source_name"] == "Crossref Metadata Search" and theirs["visibility"] == "limited"


def test_add_item_takes_xml_too(orcid_simulator, api: Api):
    xml = """<work:work xmlns:work="http://www.orcid.org/ns/work" xmlns:common="http://www.orcid.org/ns/common">
      <work:title><common:title>From XML</common:title></work:title><work:type>book</work:type>
      <common:external-ids><common:external-id><common:external-id-type>doi</common:external-id-type>
      <common:external-id-value>10.5555/xml</common:external-id-value>
      <common:external-id-relationship>self</common:external-id-relationship></common:external-id>
      </common:external-ids></work:work>"""
    added = orcid_simulator.add_item(api.orcid, kind="work", body=xml)
    assert api.call("GET", f"work/{added['put_code']}").json()["title"]["title"]["value"] == "From XML"


def test_records_are_listed(orcid_simulator, record):
    assert [r["orcid"] for r in orcid_simulator.records()] == [record["orcid"]]


def test_reset_forgets_records_clients_faults_and_calls(orcid_simulator, api: Api):
    api.call("GET", "works")
    orcid_simulator.register_client(name="Temporary")
    orcid_simulator.set_faults(error_rate=0.5)
    orcid_simulator.reset()
    assert orcid_simulator.records() == []
    assert orcid_simulator.calls() == []
    assert [c["client_id"] for c in orcid_simulator.clients()] == ["APP-DEMO000000000001"]
    assert requests.get(f"{orcid_simulator.url}/_simulator/faults", timeout=30).json()["error_rate"] == 0.0
    assert api.call("GET", "works").status_code == 401


def test_running_simulator_starts_its_own_server_on_a_free_port():
    with running_simulator(rate=1, burst=1) as sim:
        record = sim.control.create_record(name="Solo")
        headers = {"Authorization": f"Bearer {record['access_token']}", "Accept": "application/json"}
        first = requests.get(f"{sim.url}/v3.0/{record['orcid']}/works", headers=headers, timeout=30)
        second = requests.get(f"{sim.url}/v3.0/{record['orcid']}/works", headers=headers, timeout=30)
        assert (first.status_code, second.status_code) == (200, 503)


def test_the_state_file_keeps_records_across_restarts(tmp_path):
    state = tmp_path / "simulator.json"
    with running_simulator(state_file=str(state)) as sim:
        record = sim.control.create_record(name="Persistent")
        headers = {"Authorization": f"Bearer {record['access_token']}", "Content-Type": "application/json"}
        posted = requests.post(f"{sim.url}/v3.0/{record['orcid']}/work", json=work_json(), headers=headers, timeout=30)
        assert posted.status_code == 201
    with running_simulator(state_file=str(state)) as sim:
        headers = {"Authorization": f"Bearer {record['access_token']}", "Accept": "application/json"}
        works = requests.get(f"{sim.url}/v3.0/{record['orcid']}/works", headers=headers, timeout=30).json()
        assert len(works["group"]) == 1
        fresh = sim.control.create_record(name="Made just before a restart")
    with running_simulator(state_file=str(state)) as sim:
        assert fresh["orcid"] in [r["orcid"] for r in sim.control.records()]
        headers = {"Authorization": f"Bearer {fresh['access_token']}", "Accept": "application/json"}
        assert requests.get(f"{sim.url}/v3.0/{fresh['orcid']}/works", headers=headers, timeout=30).status_code == 200


def test_the_state_file_keeps_record_states_fundings_notifications_and_organisations(tmp_path):
    from tests.orcid_simulator.conftest import funding_json

    state = tmp_path / "simulator.json"
    with running_simulator(state_file=str(state)) as sim:
        record = sim.control.create_record(name="Persistent")
        sim.control.add_organization("ROR", "https://ror.org/04fa4r544")
        headers = {"Authorization": f"Bearer {record['access_token']}", "Content-Type": "application/json"}
        posted = requests.post(f"{sim.url}/v3.0/{record['orcid']}/funding", json=funding_json(), headers=headers,
                               timeout=30)
        assert posted.status_code == 201, posted.text
        sim.control.set_record_state(record["orcid"], "deactivated")
    with running_simulator(state_file=str(state)) as sim:
        view = sim.control.record(record["orcid"])
        assert view["state"] == "deactivated" and view["sections"]["funding"] == 1
        assert {"source": "ROR", "identifier": "04fa4r544"} in sim.control.organizations()
        headers = {"Authorization": f"Bearer {record['access_token']}", "Accept": "application/json"}
        # The tokens ORCID disabled stay disabled.
        assert requests.get(f"{sim.url}/v3.0/{record['orcid']}/fundings", headers=headers, timeout=30).status_code == 401


def test_a_refused_record_call_leaves_no_record_behind(orcid_simulator):
    before = orcid_simulator.records()
    response = requests.post(f"{orcid_simulator.url}/_simulator/records", json={"client_id": "APP-NOSUCHCLIENT01"},
                             timeout=10)
    assert response.status_code == 400 and "APP-NOSUCHCLIENT01" in response.json()["error"]
    assert orcid_simulator.records() == before


def test_expiring_an_unknown_token_is_404(orcid_simulator):
    response = requests.post(f"{orcid_simulator.url}/_simulator/tokens/expire", json={"access_token": "nope"},
                             timeout=10)
    assert response.status_code == 404 and response.json()["error"]


def test_bad_values_in_control_calls_are_400_json_not_a_server_error(orcid_simulator):
    base = f"{orcid_simulator.url}/_simulator"
    limit = requests.get(f"{base}/rate-limit", timeout=10).json()
    for method, path, body in [("PUT", "/faults", {"error_rate": "abc"}), ("PUT", "/faults", {"latency_ms": [5]}),
                               ("PUT", "/rate-limit", {"rate": "fast"})]:
        response = requests.request(method, base + path, json=body, timeout=10)
        assert response.status_code == 400, (path, body, response.text)
        assert response.json()["error"]
    assert requests.get(f"{base}/rate-limit", timeout=10).json() == limit


def test_a_restart_on_a_state_file_takes_the_rate_limit_it_is_started_with(tmp_path):
    state = tmp_path / "simulator.json"
    with running_simulator(state_file=str(state), rate=1, burst=1) as sim:
        record = sim.control.create_record(name="Limited")
        sim.control.register_client(client_id="APP-OWNLIMIT0000001", rate=5, burst=5)
    with running_simulator(state_file=str(state), rate=24, burst=40) as sim:
        headers = {"Authorization": f"Bearer {record['access_token']}", "Accept": "application/json"}
        statuses = [requests.get(f"{sim.url}/v3.0/{record['orcid']}/works", headers=headers, timeout=30).status_code
                    for _ in range(3)]
        assert statuses == [200, 200, 200]
        clients = {c["client_id"]: c for c in sim.control.clients()}
        assert (clients["APP-OWNLIMIT0000001"]["rate"], clients["APP-OWNLIMIT0000001"]["burst"]) == (5.0, 5.0)
