"""The importer framework (units/importing, issue 10): a kind is a schema, a row parser and an
upsert spec; the framework finds the researcher (by institutional ID, or by email for files
that carry only an email), upserts by (unit, local_id) and reports every row in order."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from employments.models import Employment
from tests.fixtures.employments import HrUnitFactory
from tests.fixtures.works import UserFactory
from units.importing import (
    ImportKind,
    ImportOptions,
    ParsedRow,
    RowInvalid,
    import_stream,
    kind_get,
    report_line,
)
from works.models import Work

pytestmark = pytest.mark.django_db


def roles_parse_row(cells: dict) -> ParsedRow:
    role = cells.get("role", "").strip()
    if not role:
        raise RowInvalid("role is empty")
    return ParsedRow(local_id=cells["local_id"].strip(), email=cells.get("email", ""),
                     institutional_id=cells.get("institutional_id", "").strip().lower(),
                     values={"role_title": role, "department": "", "start_year": 2020})


# A kind in a dozen lines: Affiliation Manager-style rows (the researcher by email).
ROLES = ImportKind(
    name="test-roles", label="roles", model=Employment, columns=("email", "local_id", "role"),
    required_columns=("local_id", "role"), parse_row=roles_parse_row, fields=("role_title", "department", "start_year"),
)


def run(kind, unit, text: str, **options):
    outcomes = []
    report = import_stream(kind=kind, unit=unit, stream=io.BytesIO(text.encode()), fmt="csv",
                           options=ImportOptions(**options), on_row=outcomes.append)
    return report, [report_line(outcome) for outcome in outcomes]


def test_a_new_kind_finds_researchers_by_email_and_reports_every_row_in_order():
    unit = HrUnitFactory()
    ada = UserFactory(username="ada", email="Ada@Example.edu")
    UserFactory(username="twin1", email="twin@example.edu")
    UserFactory(username="twin2", email="TWIN@example.edu")
    report, lines = run(ROLES, unit, "email,local_id,role\n"
                                     "ada@example.edu,R1,Professor\n"
                                     "nobody@example.edu,R2,Lecturer\n"
                                     "twin@example.edu,R3,Fellow\n"
                                     "ada@example.edu,R4,\n"
                                     ",R5,Dean\n")
    assert lines == [
        "line 2 (R1): created",
        "line 3 (R2): rejected: no user has the email nobody@example.edu: give their institutional_id",
        "line 4 (R3): rejected: several users have the email twin@example.edu: give their institutional_id",
        "line 5 (R4): rejected: role is empty",
        "line 6 (R5): rejected: the row names no researcher (institutional_id or email)",
    ]
    assert Employment.objects.get(local_id="R1").researcher == ada
    assert not type(ada).objects.filter(email__iexact="nobody@example.edu").exists()  # never created by email

    again, lines = run(ROLES, unit, "email,local_id,role\nada@example.edu,R1,Full Professor\n")
    assert lines == ["line 2 (R1): updated"] and again.updated == 1


def test_a_snapshot_of_a_kind_without_an_end_date_removes_what_the_file_leaves_out():
    unit = HrUnitFactory()
    UserFactory(username="ada", email="ada@example.edu")
    run(ROLES, unit, "email,local_id,role\nada@example.edu,R1,A\nada@example.edu,R2,B\n")
    report, _ = run(ROLES, unit, "email,local_id,role\nada@example.edu,R1,A\n", snapshot=True)
    assert report.removed_local_ids == ["R2"] and report.ended == 0
    assert Employment.objects.get(local_id="R2").removed_at is not None


def test_kinds_are_found_by_name_from_their_apps_importers_module():
    assert kind_get("works").model is Work
    assert kind_get("employments").snapshot_default is True
    with pytest.raises(LookupError):
        kind_get("no-such-kind")


def test_import_employments_reads_standard_input(monkeypatch):
    HrUnitFactory()
    text = "institutional_id,local_id,department,role_title,start_date,end_date\nada,E1,Chemistry,Professor,2019,\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    out = io.StringIO()
    call_command("import_employments", "-", "--unit", "hr", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines()[0] == "line 2 (E1): created"
    assert Employment.objects.get().local_id == "E1"
