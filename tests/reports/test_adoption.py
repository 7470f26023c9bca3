"""The adoption report (CONTRACT §3 orcid_report, §4 GET /api/v1/reports/adoption): its counts
match a fixture of departments and connections, by command and over HTTP, JSON and CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests
from django.core.management import call_command

from connections.models import OrcidConnection
from putcodes.models import OrcidItem
from reports.models import AdoptionSnapshot
from reports.services import adoption_snapshot_take
from tests.fixtures.connections import OrcidConnectionFactory, api_key_for
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory, WorkFactory

State = OrcidItem.State


def _item(researcher, unit, kind, state, n):
    return OrcidItem.objects.create(
        unit=unit, researcher=researcher, orcid=researcher.orcid_connection.orcid if hasattr(
            researcher, "orcid_connection") else "0000-0000-0000-0000",
        kind=kind, local_id=f"{kind}-{researcher.username}-{n}", state=state,
        put_code=1000 + n if state == State.ON_ORCID else None,
    )


@pytest.fixture
def campus(db):
    """Chemistry: ada (active), bob (none), cy (revoked); Physics: dee (active, also in
    Chemistry); eve: works of the library only, no employment, active."""
    hr, library = HrUnitFactory(), UnitFactory(code="library", name="Library")
    people = {name: UserFactory(username=name) for name in ("ada", "bob", "cy", "dee", "eve")}
    for name in ("ada", "bob", "cy"):
        EmploymentFactory(unit=hr, researcher=people[name], department="Chemistry")
    EmploymentFactory(unit=hr, researcher=people["dee"], department="Physics")
    EmploymentFactory(unit=hr, researcher=people["dee"], department="Chemistry")
    EmploymentFactory(unit=hr, researcher=people["bob"], department="Biology", end_year=2001)  # ended: not counted
    OrcidConnectionFactory(user=people["ada"])
    OrcidConnectionFactory(user=people["cy"], revoked=True)
    OrcidConnectionFactory(user=people["dee"])
    OrcidConnectionFactory(user=people["eve"])
    for name in ("ada", "eve"):
        WorkFactory(unit=library, researcher=people[name])
    for person in (people["ada"], people["dee"], people["eve"]):
        person.refresh_from_db()
    _item(people["ada"], library, "work", State.ON_ORCID, 1)
    _item(people["ada"], library, "work", State.ON_ORCID, 2)
    _item(people["ada"], library, "work", State.ERROR, 3)
    _item(people["ada"], hr, "employment", State.ON_ORCID, 4)
    _item(people["dee"], hr, "employment", State.ON_ORCID, 5)
    _item(people["eve"], library, "work", State.ON_ORCID, 6)
    _item(people["eve"], library, "work", State.PENDING, 7)
    return {"hr": hr, "library": library, **people}


EXPECTED_TOTAL = {
    "researchers": 5, "connected": 3, "connected_percent": 60.0,
    "connections_active": 3, "connections_revoked": 1, "connections_not_connected": 1,
    "items_on_orcid_work": 3, "items_on_orcid_employment": 2, "items_failing": 1,
}
EXPECTED_DEPARTMENTS = {
    "Chemistry": {"researchers": 4, "connected": 2, "connected_percent": 50.0, "connections_revoked": 1,
                  "connections_not_connected": 1, "items_on_orcid_work": 2, "items_on_orcid_employment": 2,
                  "items_failing": 1},
    "Physics": {"researchers": 1, "connected": 1, "connected_percent": 100.0, "items_on_orcid_work": 0,
                "items_on_orcid_employment": 1, "items_failing": 0},
    "(no department)": {"researchers": 1, "connected": 1, "items_on_orcid_work": 1, "items_failing": 0},
}
EXPECTED_UNITS = {
    "hr": {"researchers": 4, "connected": 2, "items_on_orcid_work": 0, "items_on_orcid_employment": 2},
    "library": {"researchers": 2, "connected": 2, "items_on_orcid_work": 3, "items_on_orcid_employment": 0,
                "items_failing": 1},
}


def _check(total: dict, departments: dict, units: dict) -> None:
    assert {k: total[k] for k in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert set(departments) == set(EXPECTED_DEPARTMENTS)
    for name, expected in EXPECTED_DEPARTMENTS.items():
        assert {k: departments[name][k] for k in expected} == expected, name
    assert set(units) == set(EXPECTED_UNITS)
    for code, expected in EXPECTED_UNITS.items():
        assert {k: units[code][k] for k in expected} == expected, code


def _numbers(row: dict) -> dict:
    return {k: (float(v) if k == "connected_percent" else int(v)) if k not in ("level", "name") else v
            for k, v in row.items()}


def _from_csv(text: str):
    rows = [_numbers(row) for row in csv.DictReader(io.StringIO(text))]
    total = next(r for r in rows if r["level"] == "total")
    return (total, {r["name"]: r for r in rows if r["level"] == "department"},
            {r["name"]: r for r in rows if r["level"] == "unit"})


def _from_json(data: dict):
    return (data["total"], {r["department"]: r for r in data["departments"]}, {r["unit"]: r for r in data["units"]})


def test_command_json_counts_match_the_fixture(campus, capsys):
    call_command("orcid_report", "--format", "json")
    _check(*_from_json(json.loads(capsys.readouterr().out)))


def test_command_csv_counts_match_the_fixture(campus, capsys):
    call_command("orcid_report", "--format", "csv")
    _check(*_from_csv(capsys.readouterr().out))


def test_command_for_one_unit_counts_its_people_and_items_only(campus, capsys):
    call_command("orcid_report", "--unit", "library")
    data = json.loads(capsys.readouterr().out)
    assert data["total"]["researchers"] == 2
    assert data["total"]["items_on_orcid_work"] == 3
    assert data["total"]["items_on_orcid_employment"] == 0
    assert [row["unit"] for row in data["units"]] == ["library"]
    chemistry = next(row for row in data["departments"] if row["department"] == "Chemistry")
    assert (chemistry["researchers"], chemistry["items_on_orcid_work"], chemistry["items_on_orcid_employment"],
            chemistry["items_failing"]) == (1, 2, 0, 1)
    assert "Physics" not in {row["department"] for row in data["departments"]}  # dee: HR's items only


def test_unknown_unit_is_an_error_naming_the_known_ones(campus):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="hr, library"):
        call_command("orcid_report", "--unit", "nope")


@pytest.mark.django_db(transaction=True)
def test_api_json_and_csv_match_the_fixture(campus, live_server):
    key = api_key_for(scopes=["reports:read"], unit_code="library")
    url = f"{live_server.url}/api/v1/reports/adoption"
    headers = {"Authorization": f"Bearer {key}"}
    answer = requests.get(url, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    _check(*_from_json(answer.json()))
    answer = requests.get(url, params={"format": "csv"}, headers=headers, timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    _check(*_from_csv(answer.text))
    answer = requests.get(url, params={"unit": "hr", "format": "csv"}, headers=headers, timeout=30)
    total, _, units = _from_csv(answer.text)
    assert total["researchers"] == 4 and list(units) == ["hr"]


@pytest.mark.django_db(transaction=True)
def test_api_needs_the_reports_scope(campus, live_server):
    key = api_key_for(scopes=["works:curate"], unit_code="library")
    answer = requests.get(f"{live_server.url}/api/v1/reports/adoption", headers={"Authorization": f"Bearer {key}"},
                          timeout=30)
    assert answer.status_code == 403
    assert "message" in answer.json()
    answer = requests.get(f"{live_server.url}/api/v1/reports/adoption", params={"format": "csv"},
                          headers={"Authorization": f"Bearer {key}"}, timeout=30)
    assert answer.status_code == 403 and answer.headers["Content-Type"].startswith("application/json")
    assert "message" in answer.json()


def test_researchers_may_not_read_the_report_but_staff_read_their_units(campus, client):
    client.force_login(campus["ada"])
    assert client.get("/api/v1/reports/adoption").status_code == 403
    staff = UserFactory(username="hrstaff", is_staff=True)
    campus["hr"].staff.add(staff)
    client.force_login(staff)
    data = client.get("/api/v1/reports/adoption").json()
    assert [row["unit"] for row in data["units"]] == ["hr"] and data["total"]["researchers"] == 4
    assert client.get("/api/v1/reports/adoption", {"unit": "library"}).status_code == 404


def test_new_connection_states_and_kinds_are_columns(campus):
    from reports.selectors import report_columns

    columns = report_columns()
    for status in OrcidConnection.Status:
        assert f"connections_{status.value}" in columns
    for kind in OrcidItem.Kind:
        assert f"items_on_orcid_{kind.value}" in columns


def test_weekly_snapshot_keeps_the_total_and_each_unit(campus):
    assert adoption_snapshot_take() == 3
    total = AdoptionSnapshot.objects.get(unit=None)
    assert (total.researchers, total.connected, total.items_on_orcid, total.items_failing) == (5, 3, 5, 1)
    assert adoption_snapshot_take() == 3  # the same day again replaces, not adds
    assert AdoptionSnapshot.objects.count() == 3


def test_snapshot_beat_entry_is_seeded():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(name="Weekly adoption snapshot", task="reports.adoption_snapshot").exists()


pytestmark = pytest.mark.django_db


def test_the_in_process_scheduler_runs_the_new_entries(db):
    from putcodes.management.commands.orcid_scheduler import scheduler_tick

    ran: list[str] = []
    scheduler_tick(run_task=lambda task, args, kwargs: ran.append(task.name))
    assert {"reports.adoption_snapshot", "privacy.audit_events_purge", "unit_events.deliveries_due"} <= set(ran)
