"""HR's import (employments/importers.py, the importer framework's employments kind) and the
import_employments command (CONTRACT §3)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from employments.models import Employment
from employments.services import employment_choose, employments_import_text
from tests.fixtures.employments import HrUnitFactory
from tests.fixtures.works import UnitFactory

pytestmark = pytest.mark.django_db

HEADER = "institutional_id,local_id,department,role_title,start_date,end_date\n"


def csv_text(*rows: str) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def test_good_rows_are_kept_and_bad_rows_named_by_line():
    hr = HrUnitFactory()
    report = employments_import_text(unit=hr, text=csv_text(
        "ada,E1,Chemistry,Professor,2019-09-01,",
        "bob,E2,Physics,Lecturer,2019-13,",
        ",E3,Physics,Lecturer,2019,",
        "cy,E4,History,Fellow,2020-02-30,",
        "dee,E5,Biology,Postdoc,2021,2020",
        "eve,E6,,,2021,",
        "fay,E7,Law,Dean,2015-01,2024-06-30",
    ))
    assert report.created == 2
    assert {(e.line, e.local_id) for e in report.rejected} == {(3, "E2"), (4, "E3"), (5, "E4"), (6, "E5"), (7, "E6")}
    reasons = {e.line: e.reason for e in report.rejected}
    assert "start_date" in reasons[3] and "no month 13" in reasons[3]
    assert "institutional_id is empty" in reasons[4]
    assert "end_date is before start_date" in reasons[6]
    fay = Employment.objects.get(local_id="E7")
    assert (fay.start_year, fay.start_month, fay.start_day) == (2015, 1, None)
    assert (fay.end_year, fay.end_month, fay.end_day) == (2024, 6, 30)
    assert fay.researcher.username == "fay"
    assert not fay.researcher.has_usable_password()


def test_reimport_is_idempotent_and_an_end_date_updates_the_same_employment():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019-09-01,"))
    employment = Employment.objects.get(local_id="E1")

    again = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019-09-01,"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)

    left = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019-09-01,2025-08-31"))
    assert (left.created, left.updated) == (0, 1)
    employment.refresh_from_db()
    assert (employment.end_year, employment.end_month, employment.end_day) == (2025, 8, 31)
    assert Employment.objects.count() == 1


def test_researchers_choice_survives_a_reimport():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    employment = Employment.objects.get(local_id="E1")
    employment_choose(employment=employment, researcher=employment.researcher, approved=False)
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Full Professor,2019,"))
    employment.refresh_from_db()
    assert employment.role_title == "Full Professor" and employment.approved is False


def test_rows_left_out_of_hrs_file_are_ended_not_deleted_and_come_back_when_listed_again():
    """CONTRACT §3 (changed): an employment HR's file no longer lists is ended on the import's
    date (ORCID keeps the person's history), not removed."""
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,2018,"))
    report = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    assert report.ended == 1 and report.ended_local_ids == ["E2"] and report.removed == 0
    e2 = Employment.objects.get(local_id="E2")
    today = timezone.localdate()
    assert e2.removed_at is None and (e2.end_year, e2.end_month, e2.end_day) == (today.year, today.month, today.day)

    again = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    assert again.ended == 0 and again.unchanged == 1  # already ended: nothing more to do

    back = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,2018,"))
    assert back.updated == 1
    e2.refresh_from_db()
    assert e2.removed_at is None and e2.end_year is None


def test_delete_missing_removes_what_the_file_no_longer_lists_and_it_comes_back_when_listed_again():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,2018,"))
    report = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"), delete_missing=True)
    assert report.removed == 1 and report.removed_local_ids == ["E2"] and report.ended == 0
    assert Employment.objects.get(local_id="E2").removed_at is not None

    back = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,2018,"))
    assert back.restored == 1
    assert Employment.objects.get(local_id="E2").removed_at is None


def test_an_employment_that_has_not_begun_is_removed_not_ended():
    hr = HrUnitFactory()
    next_year = timezone.localdate().year + 1
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", f"bob,E2,Physics,Lecturer,{next_year},"))
    report = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    assert report.removed_local_ids == ["E2"] and report.ended == 0
    assert Employment.objects.get(local_id="E2").end_year is None


def test_a_partial_file_with_no_prune_removes_nothing():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    report = employments_import_text(unit=hr, text=csv_text("bob,E2,Physics,Lecturer,2018,"), prune=False)
    assert report.removed == 0 and report.ended == 0
    assert Employment.objects.filter(removed_at__isnull=True, end_year__isnull=True).count() == 2


def test_a_rejected_row_does_not_remove_its_employment():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,2018,"))
    report = employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,someday,"))
    assert len(report.rejected) == 1 and report.removed == 0 and report.ended == 0
    assert Employment.objects.get(local_id="E2").removed_at is None


def test_an_empty_or_truncated_file_does_not_withdraw_everyone():
    hr = HrUnitFactory()
    rows = [f"p{i},E{i},Dept,Role,2019," for i in range(30)]
    employments_import_text(unit=hr, text=csv_text(*rows))

    empty = employments_import_text(unit=hr, text=HEADER)
    assert empty.removed == 0 and "no rows" in empty.prune_refused

    truncated = employments_import_text(unit=hr, text=csv_text(*rows[:5]))
    assert truncated.removed == 0 and "--allow-mass-removal" in truncated.prune_refused
    assert Employment.objects.filter(removed_at__isnull=True).count() == 30

    # CONTRACT §3 (changed): what the file leaves out is ended, not removed; the guard applies to both.
    deleting = employments_import_text(unit=hr, text=csv_text(*rows[:5]), delete_missing=True)
    assert deleting.removed == 0 and "--allow-mass-removal" in deleting.prune_refused

    allowed = employments_import_text(unit=hr, text=csv_text(*rows[:5]), allow_mass_removal=True)
    assert allowed.ended == 25 and allowed.removed == 0


def test_a_local_id_cannot_move_to_another_researcher():
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    report = employments_import_text(unit=hr, text=csv_text("bob,E1,Chemistry,Professor,2019,"))
    assert report.rejected[0].line == 2 and "another researcher" in report.rejected[0].reason
    assert Employment.objects.get(local_id="E1").researcher.username == "ada"


def test_a_repeated_local_id_in_one_file_is_rejected():
    hr = HrUnitFactory()
    report = employments_import_text(unit=hr, text=csv_text("ada,E1,Chem,Prof,2019,", "ada,E1,Chem,Prof,2020,"))
    assert report.created == 1 and report.rejected[0].reason == "local_id repeats line 2"


def test_the_same_local_id_in_two_units_is_two_employments():
    hr, medicine = HrUnitFactory(), UnitFactory(code="medicine")
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chem,Prof,2019,"))
    employments_import_text(unit=medicine, text=csv_text("ada,E1,Clinic,Physician,2019,"))
    assert Employment.objects.filter(local_id="E1").count() == 2


def test_a_missing_column_stops_the_file_before_anything_is_imported():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="end_date"):
        employments_import_text(unit=HrUnitFactory(), text="institutional_id,local_id,department,role_title,start_date\n")


def test_a_quoted_multiline_cell_keeps_line_numbers_right():
    hr = HrUnitFactory()
    report = employments_import_text(unit=hr, text=csv_text('ada,E1,"Chem\nistry",Prof,2019,', "bob,E2,Physics,Lecturer,nope,"))
    assert report.rejected[0].line == 4


# The command (CONTRACT §3)

def test_command_prints_every_row_in_order_and_a_summary(tmp_path: Path):
    HrUnitFactory()
    file = tmp_path / "hr.csv"
    file.write_text("\ufeff" + csv_text("ada,E1,Chemistry,Professor,2019,", "bob,E2,Physics,Lecturer,bad,"), encoding="utf-8")
    out = io.StringIO()
    call_command("import_employments", str(file), "--unit", "hr", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "line 2 (E1): created"
    assert lines[1].startswith("line 3 (E2): rejected: start_date")
    assert lines[-1] == "hr: created=1 updated=0 unchanged=0 restored=0 ended=0 removed=0 rejected=1"
    # Again: the same rows, now unchanged; -v 0 keeps only the rejected one.
    quiet = io.StringIO()
    call_command("import_employments", str(file), "--unit", "hr", "-v", "0", stdout=quiet, stderr=io.StringIO())
    lines = quiet.getvalue().splitlines()
    assert lines[0].startswith("line 3 (E2): rejected") and "line 2" not in quiet.getvalue()
    assert lines[-1] == "hr: created=0 updated=0 unchanged=1 restored=0 ended=0 removed=0 rejected=1"


def test_command_names_the_known_units_for_an_unknown_code(tmp_path: Path):
    HrUnitFactory()
    file = tmp_path / "hr.csv"
    file.write_text(HEADER)
    with pytest.raises(CommandError, match="Known units: hr"):
        call_command("import_employments", str(file), "--unit", "payroll")


def test_command_fails_loudly_when_it_refuses_to_prune(tmp_path: Path):
    hr = HrUnitFactory()
    employments_import_text(unit=hr, text=csv_text("ada,E1,Chemistry,Professor,2019,"))
    file = tmp_path / "hr.csv"
    file.write_text(HEADER)
    with pytest.raises(CommandError, match="nothing was removed"):
        call_command("import_employments", str(file), "--unit", "hr", stdout=io.StringIO(), stderr=io.StringIO())
    call_command("import_employments", str(file), "--unit", "hr", "--no-prune", stdout=io.StringIO(), stderr=io.StringIO())
    assert get_user_model().objects.filter(username="ada").exists()


