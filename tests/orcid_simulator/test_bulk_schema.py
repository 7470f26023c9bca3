"""A JSON bulk the bulk XSD passes as a whole skips the work XSD for each of its works (one
validation instead of one per work). Its answer must be, byte for byte, the one each work
validated on its own gives: for valid bulks, bulks with works the XSD or the rules refuse,
error elements in place of works, and every key of a bulk's work removed or changed."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from werkzeug.test import Client

from orcid_simulator.app import SimulatorApp
from orcid_simulator.schema import SchemaModel
from orcid_simulator.state import Simulator

from .conftest import JSON, SAMPLES
from .test_json_xml import _FUZZ_VALUES, _paths, _variant

MOMENT = dt.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc)
BULK = json.loads((SAMPLES / "more/write-bulk-works-3-works-3.0.json").read_text())
WORK = json.loads((SAMPLES / "write_samples/work-full-3.0.json").read_text())


def _answers(bodies: list[dict], *, whole: bool, monkeypatch) -> list[tuple[int, bytes]]:
    """Each body's answer (status, bytes), each posted to a fresh record of its own simulator."""
    monkeypatch.setattr("orcid_simulator.state.items._now", lambda: MOMENT)
    if not whole:
        monkeypatch.setattr(SchemaModel, "is_valid", lambda self, element, root: False)
    simulator = Simulator(demo_client_id="APP-BULKXSD", demo_client_secret="secret", seed=7)
    simulator.set_rate_limit(rate=1e9, burst=1e9)
    client = Client(SimulatorApp(simulator))
    out = []
    for body in bodies:
        record = client.post("/_simulator/records", json={"name": "Bulk Tester"}).get_json()
        response = client.post(f"/v3.0/{record['orcid']}/works", data=json.dumps(body),
                               headers={"Authorization": f"Bearer {record['access_token']}", "Accept": JSON,
                                        "Content-Type": JSON})
        out.append((response.status_code, response.data))
    monkeypatch.undo()
    return out


def _bulks() -> list[dict]:
    bulks = [BULK, {"bulk": [{"work": WORK}, {"work": WORK}]}, {"bulk": []}]
    no_title = copy.deepcopy(WORK)
    del no_title["title"]
    bad_type = dict(WORK, type="not-a-type")
    xsd_only = dict(WORK, **{"short-description": "x" * 6000})  # longer than the XSD allows
    error = {"error": {"response-code": 400, "developer-message": "d", "user-message": "u", "error-code": 9001,
                       "more-info": "https://example.org"}}
    bulks += [{"bulk": [{"work": WORK}, {"work": no_title}, {"work": bad_type}, {"work": xsd_only}]},
              {"bulk": [{"work": xsd_only}]}, {"bulk": [error, {"work": WORK}]}]
    one = {"bulk": BULK["bulk"][:1]}
    for path in _paths(one):
        bulks.append(_variant(one, path, None, remove=True))
        bulks.extend(_variant(one, path, value) for value in _FUZZ_VALUES)
    return bulks


@pytest.mark.parametrize("part", range(4))
def test_a_bulk_validated_whole_answers_as_each_work_validated_alone(part, monkeypatch):
    bodies = _bulks()[part::4]
    per_work = _answers(bodies, whole=False, monkeypatch=monkeypatch)
    whole = _answers(bodies, whole=True, monkeypatch=monkeypatch)
    assert whole == per_work
    statuses = {status for status, _ in whole}
    assert 200 in statuses
    if part == 0:
        answers = [json.loads(data) for status, data in whole if status == 200]
        codes = {item.get("error", {}).get("error-code") for answer in answers for item in answer["bulk"]}
        assert {None, 9022, 9037, 9047} <= codes  # accepted, refused by the rules, refused by the XSD
