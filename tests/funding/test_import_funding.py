"""import_funding: the research office's CSV through to the researcher's ORCID record, over
real HTTP against the simulator."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from funding.models import Funding
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync
from tests.fixtures.affiliations import ResearchOfficeUnitFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["institutional_id", "local_id", "title", "type", "funder_name", "funder_city", "funder_country",
           "funder_identifier", "funder_identifier_source", "grant_number", "grant_url", "amount", "currency",
           "start_date", "end_date", "role"]


def row(local_id: str, **cells) -> dict:
    values = {"institutional_id": "ada", "local_id": local_id, "title": f"Grant {local_id}", "type": "grant",
              "funder_name": "Wellcome Trust", "funder_city": "London", "funder_country": "GB",
              "funder_identifier": "100004440", "funder_identifier_source": "FUNDREF",
              "grant_number": f"WT-{local_id}", "grant_url": "", "amount": "250000", "currency": "GBP",
              "start_date": "2021-01", "end_date": "2024-12", "role": "lead"}
    values.update(cells)
    return values


GOOD_ROWS = [
    row("G1"),
    row("G2", type="award", funder_name="National Science Foundation", funder_city="Alexandria", funder_country="US",
        funder_identifier="https://ror.org/021nxhr62", funder_identifier_source="ROR", amount="1200.50",
        currency="usd", role="co-lead"),
    row("G3", type="salary-award", amount="", currency="", end_date="", role=""),
]
BAD_ROWS = [
    row("B1", amount="12,5O0"),
    row("B2", currency="XYZ"),
    row("B3", funder_identifier="https://ror.org/021nxhr63", funder_identifier_source="ROR"),
    row("B4", start_date="2022", end_date="2021"),
    row("B5", type="gift"),
]


def import_file(tmp_path, rows: list[dict], *options: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    file = tmp_path / "funding.csv"
    file.write_text(out.getvalue(), encoding="utf-8")
    output = io.StringIO()
    call_command("import_funding", str(file), "--unit", "research-office", *options, stdout=output,
                 stderr=io.StringIO(), no_progress=True)
    return output.getvalue()


@pytest.fixture
def ada(sync_env):
    ResearchOfficeUnitFactory()
    user, _ = sync_env.researcher(username="ada")
    return user


def fundings_on_record(sync_env, orcid: str) -> list[dict]:
    return [item for item in sync_env.simulator.record(orcid)["items"] if item["kind"] == "funding"]


def api_calls(sync_env, method: str) -> list[dict]:
    return [c for c in sync_env.simulator.calls() if c.get("method") == method and "/v3.0/" in c.get("path", "")]


def test_good_rows_are_written_with_grant_number_amount_and_funder_and_bad_rows_named(sync_env, ada, tmp_path):
    output = import_file(tmp_path, GOOD_ROWS + BAD_ROWS)

    assert output.count("): created") == 3, output
    assert "line 5 (B1): rejected: amount '12,5O0' is not a number" in output
    assert "line 6 (B2): rejected: currency 'XYZ' is not an ISO 4217 currency code" in output
    assert "line 7 (B3): rejected: funder: 'https://ror.org/021nxhr63' is not a ROR id" in output
    assert "line 8 (B4): rejected: end_date is before start_date" in output
    assert "line 9 (B5): rejected: type 'gift' is not one of" in output
    assert Funding.objects.get(local_id="G2").currency == "USD"

    counts = researcher_sync(researcher=ada)

    assert counts.created == 3
    on_record = {item["body"]["title"]["title"]["value"]: item["body"]
                 for item in fundings_on_record(sync_env, ada.orcid_connection.orcid)}
    assert sorted(on_record) == ["Grant G1", "Grant G2", "Grant G3"]
    g2 = on_record["Grant G2"]
    assert g2["type"] == "award"
    assert g2["amount"] == {"value": "1200.50", "currency-code": "USD"}
    assert g2["external-ids"]["external-id"][0]["external-id-type"] == "grant_number"
    assert g2["external-ids"]["external-id"][0]["external-id-value"] == "WT-G2"
    assert g2["external-ids"]["external-id"][0]["external-id-relationship"] == "self"
    assert g2["organization"]["name"] == "National Science Foundation"
    assert g2["organization"]["disambiguated-organization"]["disambiguation-source"] == "ROR"
    assert "amount" not in on_record["Grant G3"] or not on_record["Grant G3"]["amount"]
    assert set(OrcidItem.objects.filter(kind="funding").values_list("state", flat=True)) == {"on_orcid"}


def test_a_changed_amount_is_one_put(sync_env, ada, tmp_path):
    import_file(tmp_path, GOOD_ROWS)
    researcher_sync(researcher=ada)
    sync_env.simulator.clear_calls()

    changed = [dict(r) for r in GOOD_ROWS]
    changed[0]["amount"] = "275000"
    output = import_file(tmp_path, changed)
    assert "line 2 (G1): updated" in output and output.count(": unchanged") == 2
    counts = researcher_sync(researcher=ada)

    assert counts.updated == 1
    puts = api_calls(sync_env, "PUT")
    assert len(puts) == 1 and "/funding/" in puts[0]["path"]
    assert not api_calls(sync_env, "POST") and not api_calls(sync_env, "DELETE")
    g1 = next(i for i in fundings_on_record(sync_env, ada.orcid_connection.orcid)
              if i["body"]["title"]["title"]["value"] == "Grant G1")
    assert g1["body"]["amount"]["value"] == "275000"


def test_a_withdrawn_grant_is_deleted_from_orcid(sync_env, ada, tmp_path):
    import_file(tmp_path, GOOD_ROWS)
    researcher_sync(researcher=ada)
    sync_env.simulator.clear_calls()

    output = import_file(tmp_path, GOOD_ROWS[:2], "--snapshot")
    assert "removed (no longer in the file): G3" in output
    researcher_sync(researcher=ada)

    assert len(api_calls(sync_env, "DELETE")) == 1
    assert len(fundings_on_record(sync_env, ada.orcid_connection.orcid)) == 2


def test_withdrawing_a_units_items_deletes_its_funding_from_orcid(sync_env, ada, tmp_path):
    from units.models import Unit
    from units.permissions import unit_items_withdraw

    import_file(tmp_path, GOOD_ROWS)
    researcher_sync(researcher=ada)
    assert unit_items_withdraw(unit=Unit.objects.get(code="research-office"))["funding"] == 3
    researcher_sync(researcher=ada)
    assert fundings_on_record(sync_env, ada.orcid_connection.orcid) == []
