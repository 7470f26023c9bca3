"""Per-client rate limit and the faults the control interface switches on."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .conftest import Api, work_json


def test_past_the_burst_orcid_answers_503_with_nginxs_page(orcid_simulator, api: Api):
    """ORCID's member limit: 24 requests a second with a burst of 40, per client."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(lambda _: requests.get(
            f"{api.url}/v3.0/{api.orcid}/works", headers={"Authorization": f"Bearer {api.token}"}, timeout=10),
            range(100)))
    elapsed = time.monotonic() - started
    ok = sum(1 for r in responses if r.status_code == 200)
    assert 40 <= ok <= 40 + 24 * elapsed + 1
    refused = [r for r in responses if r.status_code != 200]
    assert refused and {r.status_code for r in refused} == {503}
    assert "503 Service Temporarily Unavailable" in refused[0].text
    over = [c for c in orcid_simulator.calls() if c["status"] == 503]
    assert len(over) == len(refused) and all(c["fault"] == "rate-limited" for c in over)


def test_the_bucket_refills_at_the_configured_rate(orcid_simulator, api: Api):
    # A slow refill (one token per 4 s), so that the four calls fall within one token's time
    # even on a busy machine; then a wait of at least that long.
    orcid_simulator.set_rate_limit(rate=0.25, burst=3)
    assert [api.call("GET", "works").status_code for _ in range(4)] == [200, 200, 200, 503]
    time.sleep(4.1)
    assert api.call("GET", "works").status_code == 200


def test_each_client_has_its_own_bucket(orcid_simulator, api: Api):
    # One token per 10 s: the three calls fall within one token's time however busy the machine.
    orcid_simulator.set_rate_limit(rate=0.1, burst=2)
    other = orcid_simulator.register_client(name="Another University")
    other_token = orcid_simulator.issue_token(api.orcid, client_id=other["client_id"])["access_token"]
    assert [api.call("GET", "works").status_code for _ in range(3)] == [200, 200, 503]
    assert api.call("GET", "works", token=other_token).status_code == 200


def test_a_503_burst_answers_the_next_calls_then_recovers(orcid_simulator, api: Api):
    orcid_simulator.set_faults(rate_limit_burst=2)
    assert [api.call("GET", "works").status_code for _ in range(3)] == [503, 503, 200]


def test_random_server_errors(orcid_simulator, api: Api):
    orcid_simulator.set_faults(error_rate=1.0)
    statuses = {api.call("GET", "works").status_code for _ in range(12)}
    assert statuses <= {500, 502, 503, 504} and statuses
    orcid_simulator.clear_faults()
    assert api.call("GET", "works").status_code == 200


def test_faults_can_be_limited_to_some_paths_and_methods(orcid_simulator, api: Api):
    orcid_simulator.set_faults(error_rate=1.0, paths=["/employments"])
    assert api.call("GET", "works").status_code == 200
    assert api.call("GET", "employments").status_code >= 500
    orcid_simulator.set_faults(error_rate=1.0, methods=["POST"])
    assert api.call("GET", "works").status_code == 200
    assert api.post_work(work_json()).status_code >= 500


def test_latency(orcid_simulator, api: Api):
    orcid_simulator.set_faults(latency_ms=[120, 150])
    started = time.monotonic()
    assert api.call("GET", "works").status_code == 200
    assert time.monotonic() - started >= 0.12


def test_a_dropped_answer_after_commit_leaves_the_work_on_the_record(orcid_simulator, api: Api):
    orcid_simulator.set_faults(drop_after_commit_rate=1.0, methods=["POST"])
    with pytest.raises(requests.ConnectionError):
        api.post_work(work_json("10.5555/lost.answer"))
    orcid_simulator.clear_faults()
    items = orcid_simulator.record(api.orcid)["items"]
    assert len(items) == 1
    assert items[0]["body"]["external-ids"]["external-id"][0]["external-id-value"] == "10.5555/lost.answer"
    # The portal's retry finds it: the same POST now is a 9021 naming it.
    retry = api.post_work(work_json("10.5555/lost.answer"))
    assert retry.status_code == 409 and str(items[0]["put_code"]) in retry.json()["developer-message"]
    dropped = [c for c in orcid_simulator.calls() if c["fault"] == "dropped"]
    assert len(dropped) == 1 and dropped[0]["status"] is None


def test_a_refused_post_is_not_dropped(orcid_simulator, api: Api):
    orcid_simulator.set_faults(drop_after_commit_rate=1.0)
    assert api.post_work({"nonsense": True}).status_code == 400


def test_the_call_log_names_method_path_status_and_client(orcid_simulator, api: Api):
    orcid_simulator.clear_calls()
    api.call("GET", "works")
    (call,) = orcid_simulator.calls()
    assert call["method"] == "GET" and call["path"] == f"/v3.0/{api.orcid}/works"
    assert call["status"] == 200 and call["client_id"] == "APP-DEMO000000000001"
    assert call["time"] > 0
    orcid_simulator.clear_calls()
    assert orcid_simulator.calls() == []


def test_random_faults_can_be_limited_to_some_statuses(orcid_simulator, api: Api):
    orcid_simulator.set_faults(error_rate=1.0, error_statuses=[503], methods=["GET"])
    assert {api.call("GET", "works").status_code for _ in range(8)} == {503}
    refused = requests.put(f"{orcid_simulator.url}/_simulator/faults", json={"error_rate": 1, "error_statuses": [418]},
                           timeout=10)
    assert refused.status_code == 400 and "error_statuses" in refused.json()["error"]
