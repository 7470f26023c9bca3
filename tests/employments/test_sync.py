"""HR's employments written, updated and deleted on ORCID by the sync, over real HTTP against
the simulator: the whole path from import_employments to the record."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from employments.models import Employment
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync
from tests.fixtures.connections import OrcidConnectionFactory
from tests.fixtures.employments import HrUnitFactory
from tests.fixtures.works import UnitFactory, UserFactory
from units.permissions import unit_items_withdraw, unit_pause


pytestmark = pytest.mark.django_db

HEADER = "institutional_id,local_id,department,role_title,start_date,end_date\n"


@pytest.fixture
def ada(orcid_simulator, settings):
    """A researcher connected to a fresh simulator record."""
    settings.ORCID_BASE_URL = settings.ORCID_API_URL = orcid_simulator.url
    record = orcid_simulator.create_record(name="Ada Lovelace")
    user = UserFactory(username="ada")
    OrcidConnectionFactory(user=user, orcid=record["orcid"], access_token_plain=record["access_token"])
    return user


def import_hr(tmp_path, *rows: str, options=()) -> str:
    file = tmp_path / "hr.csv"
    file.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    out = io.StringIO()
    call_command("import_employments", str(file), "--unit", "hr", *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def employments_on_record(orcid_simulator, orcid: str) -> list[dict]:
    return [item for item in orcid_simulator.record(orcid)["items"] if item["kind"] == "employment"]


def test_imported_employments_are_written_with_put_codes_owned_by_hr(
    orcid_simulator, ada, tmp_path, settings, django_capture_on_commit_callbacks
):
    HrUnitFactory()
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,",
              "ada,E2,Department of Physics,Lecturer,2012-01,2019-08-31")

    with django_capture_on_commit_callbacks(execute=True):
        counts = researcher_sync(researcher=ada)

    assert counts.created == 2
    orcid = ada.orcid_connection.orcid
    on_record = employments_on_record(orcid_simulator, orcid)
    assert len(on_record) == 2
    assert {item["source_client_id"] for item in on_record} == {settings.ORCID_CLIENT_ID}
    ledger = OrcidItem.objects.filter(kind="employment", researcher=ada)
    assert {item.unit.code for item in ledger} == {"hr"}
    assert {item.put_code for item in ledger} == {item["put_code"] for item in on_record}
    assert set(ledger.values_list("state", flat=True)) == {"on_orcid"}
    # The researcher is told once that the institution wrote to their record.
    (email,) = mail.outbox
    assert email.to == [ada.email] and "2 employments" in email.body
    with django_capture_on_commit_callbacks(execute=True):
        import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,2025-01-31",
                  "ada,E2,Department of Physics,Lecturer,2012-01,2019-08-31")
        researcher_sync(researcher=ada)
    assert len(mail.outbox) == 1


def test_an_end_date_updates_the_same_item_and_a_removed_row_deletes_it(orcid_simulator, ada, tmp_path):
    HrUnitFactory()
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,",
              "ada,E2,Department of Physics,Lecturer,2012-01,2019-08-31")
    researcher_sync(researcher=ada)
    orcid = ada.orcid_connection.orcid
    put_code = OrcidItem.objects.get(local_id="E1").put_code

    # Ada leaves: HR's next file carries her end date.
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,2025-06-30",
              "ada,E2,Department of Physics,Lecturer,2012-01,2019-08-31")
    counts = researcher_sync(researcher=ada)

    assert (counts.created, counts.updated) == (0, 1)
    on_record = {item["put_code"]: item for item in employments_on_record(orcid_simulator, orcid)}
    assert len(on_record) == 2 and put_code in on_record
    assert "2025" in str(on_record[put_code]["body"])

    # E2 is no longer in HR's file. It ended in 2019, so CONTRACT §3 (changed) leaves it as it
    # is; with --delete-missing it is removed from ORCID.
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,2025-06-30")
    assert researcher_sync(researcher=ada).deleted == 0
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,2025-06-30", options=["--delete-missing"])
    counts = researcher_sync(researcher=ada)

    assert counts.deleted == 1
    assert {item["put_code"] for item in employments_on_record(orcid_simulator, orcid)} == {put_code}
    assert OrcidItem.objects.get(local_id="E2").state == "withdrawn"


def test_a_second_sync_without_changes_writes_nothing(orcid_simulator, ada, tmp_path):
    HrUnitFactory()
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,")
    researcher_sync(researcher=ada)
    again = researcher_sync(researcher=ada)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_a_unit_that_asks_for_approval_waits_for_the_researcher(orcid_simulator, ada, tmp_path):
    from employments.services import employment_choose

    UnitFactory(code="hr", name="HR", requires_approval=True)
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,")
    assert researcher_sync(researcher=ada).created == 0
    employment_choose(employment=Employment.objects.get(local_id="E1"), researcher=ada, approved=True)
    assert researcher_sync(researcher=ada).created == 1


def test_a_paused_unit_writes_nothing_and_withdrawal_deletes_everything(orcid_simulator, ada, tmp_path):
    hr = HrUnitFactory()
    import_hr(tmp_path, "ada,E1,Department of Chemistry,Professor,2019-09-01,", "ada,E2,Physics,Lecturer,2012,2019")
    unit_pause(unit=hr, paused=True)
    assert researcher_sync(researcher=ada).created == 0
    unit_pause(unit=hr, paused=False)
    assert researcher_sync(researcher=ada).created == 2

    unit_items_withdraw(unit=hr)
    counts = researcher_sync(researcher=ada)

    assert counts.deleted == 2
    assert employments_on_record(orcid_simulator, ada.orcid_connection.orcid) == []
    assert set(OrcidItem.objects.values_list("state", flat=True)) == {"withdrawn"}
