"""import_affiliations: ORCID Affiliation Manager's CSV, all seven sections, through to the
researcher's ORCID record over real HTTP against the simulator."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from affiliations.models import Affiliation
from employments.models import Employment
from putcodes.models import OrcidItem
from putcodes.services import researcher_sync
from tests.fixtures.affiliations import RegistryUnitFactory

pytestmark = pytest.mark.django_db

COLUMNS = ["email", "affiliation-section", "department-name", "role-title", "start-date", "end-date", "org-name",
           "org-country", "org-city", "org-region", "disambiguation-source", "disambiguated-organization-identifier",
           "external-id", "external-id-type", "external-id-url", "url", "institutional_id", "local_id"]


def row(section: str, role: str, start: str = "", end: str = "", *, email: str = "ada@example.edu", org=None,
        dept: str = "", iid: str = "", local_id: str = "", external=("", "", "")) -> dict:
    name, country, city, source, identifier = org or ("", "", "", "", "")
    return {"email": email, "affiliation-section": section, "department-name": dept, "role-title": role,
            "start-date": start, "end-date": end, "org-name": name, "org-country": country, "org-city": city,
            "org-region": "", "disambiguation-source": source, "disambiguated-organization-identifier": identifier,
            "external-id": external[0], "external-id-type": external[1], "external-id-url": external[2], "url": "",
            "institutional_id": iid, "local_id": local_id}


OXFORD = ("University of Oxford", "GB", "Oxford", "ROR", "https://ror.org/052gg0110")
CAMBRIDGE = ("University of Cambridge", "GB", "Cambridge", "GRID", "grid.5335.0")
ROYAL_SOCIETY = ("Royal Society", "GB", "London", "RINGGOLD", "6396")
NIH = ("National Institutes of Health", "US", "Bethesda", "FUNDREF", "100000002")

GOOD_ROWS = [
    row("employment", "Professor", "2019-09-01", dept="Chemistry"),  # at the institution
    row("Education", "DPhil", "2010-10", "2014-06", org=OXFORD, dept="Physics"),
    row("qualification", "Chartered Chemist", "2015", org=CAMBRIDGE),
    row("invited_position", "Visiting Scholar", "2022-01", "2022-06"),  # at the institution
    row("distinction", "Fellow", "2021", org=ROYAL_SOCIETY),
    row("membership", "Member", "2018", org=NIH, iid="ada"),
    row("SERVICE", "Editor", "2020-03"),  # at the institution
]
BAD_ROWS = [
    row("teaching", "Lecturer", "2019"),
    row("education", "MSc", "2008", email="nobody@example.edu", org=OXFORD),
    row("membership", "Member", "2017", org=("Chemical Society", "", "London", "", "")),
    row("education", "BA", "2005", "2008", org=("University of Oxford", "GB", "Oxford", "ROR", "052gg0111")),
    row("service", "Reviewer", "2020", "2019"),
]


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def import_file(tmp_path, rows: list[dict], *options: str) -> str:
    file = tmp_path / "affiliations.csv"
    file.write_text(csv_text(rows), encoding="utf-8")
    out = io.StringIO()
    call_command("import_affiliations", str(file), "--unit", "registry", *options, stdout=out,
                 stderr=io.StringIO(), no_progress=True)
    return out.getvalue()


@pytest.fixture
def ada(sync_env):
    RegistryUnitFactory()
    user, connection = sync_env.researcher(username="ada")
    user.email = "ada@example.edu"
    user.save(update_fields=["email"])
    return user


def ours(sync_env, orcid: str) -> list[dict]:
    return [item for item in sync_env.simulator.record(orcid)["items"] if item["kind"] != "work"]


def api_writes(sync_env, method: str) -> list[dict]:
    return [c for c in sync_env.simulator.calls() if c.get("method") == method and "/v3.0/" in c.get("path", "")]


def test_one_row_of_each_section_is_one_item_in_that_section_with_its_organisation(sync_env, ada, tmp_path, settings):
    output = import_file(tmp_path, GOOD_ROWS + BAD_ROWS)

    # Every bad row is named with its line and reason; the good rows of the same file are kept.
    assert "line 9" in output and "affiliation-section is 'teaching'" in output
    assert "line 10" in output and "no user has the email nobody@example.edu" in output
    assert "line 11" in output and "no country" in output
    assert "line 12" in output and "check digits are wrong" in output
    assert "line 13" in output and "end-date is before start-date" in output
    assert output.count("): created") == 7, output
    assert Employment.objects.filter(researcher=ada).count() == 1
    assert Affiliation.objects.filter(researcher=ada).count() == 6

    counts = researcher_sync(researcher=ada)

    assert counts.created == 7
    items = ours(sync_env, ada.orcid_connection.orcid)
    by_kind = {item["kind"]: item["body"] for item in items}
    assert sorted(by_kind) == sorted(["employment", "education", "qualification", "invited-position", "distinction",
                                      "membership", "service"])
    assert len(items) == 7
    org = {kind: body["organization"] for kind, body in by_kind.items()}
    assert org["education"]["name"] == "University of Oxford"
    assert org["education"]["disambiguated-organization"]["disambiguation-source"] == "ROR"
    assert org["qualification"]["disambiguated-organization"]["disambiguated-organization-identifier"] == "grid.5335.0"
    assert org["distinction"]["disambiguated-organization"]["disambiguation-source"] == "RINGGOLD"
    assert org["membership"]["address"]["city"] == "Bethesda"
    for defaulted in ("employment", "invited-position", "service"):
        assert org[defaulted]["name"] == settings.INSTITUTION_NAME
        assert org[defaulted]["disambiguated-organization"]["disambiguated-organization-identifier"].endswith(
            "00f54p054")
    assert set(OrcidItem.objects.filter(researcher=ada).values_list("state", flat=True)) == {"on_orcid"}


def test_a_changed_end_date_is_one_put_and_nothing_else(sync_env, ada, tmp_path):
    import_file(tmp_path, GOOD_ROWS)
    researcher_sync(researcher=ada)
    sync_env.simulator.clear_calls()

    changed = [dict(r) for r in GOOD_ROWS]
    changed[1]["end-date"] = "2014-09"  # the DPhil ended later
    output = import_file(tmp_path, changed)
    assert output.count(": updated") == 1 and output.count(": unchanged") == 6
    counts = researcher_sync(researcher=ada)

    assert counts.updated == 1
    puts = api_writes(sync_env, "PUT")
    assert len(puts) == 1 and "/education/" in puts[0]["path"]
    assert not api_writes(sync_env, "POST") and not api_writes(sync_env, "DELETE")
    education = next(i for i in ours(sync_env, ada.orcid_connection.orcid) if i["kind"] == "education")
    assert education["body"]["end-date"]["month"]["value"] == "09"


def test_a_snapshot_that_leaves_out_a_current_employment_ends_it_with_one_put(sync_env, ada, tmp_path):
    import_file(tmp_path, GOOD_ROWS, "--snapshot")
    researcher_sync(researcher=ada)
    orcid = ada.orcid_connection.orcid
    before = len(ours(sync_env, orcid))
    sync_env.simulator.clear_calls()

    output = import_file(tmp_path, GOOD_ROWS[1:], "--snapshot")  # the employment is left out
    assert "ended (no longer in the file):" in output
    employment = Employment.objects.get(researcher=ada)
    assert employment.removed_at is None and employment.end_year is not None
    researcher_sync(researcher=ada)

    puts = api_writes(sync_env, "PUT")
    assert len(puts) == 1 and "/employment/" in puts[0]["path"]
    assert not api_writes(sync_env, "DELETE") and not api_writes(sync_env, "POST")
    assert len(ours(sync_env, orcid)) == before
    on_record = next(i for i in ours(sync_env, orcid) if i["kind"] == "employment")
    assert on_record["body"]["end-date"]["year"]["value"] == str(employment.end_year)


def test_delete_missing_removes_what_the_file_leaves_out(sync_env, ada, tmp_path):
    import_file(tmp_path, GOOD_ROWS, "--snapshot")
    researcher_sync(researcher=ada)
    sync_env.simulator.clear_calls()

    import_file(tmp_path, GOOD_ROWS[:-1], "--snapshot", "--delete-missing")  # the service row is left out
    researcher_sync(researcher=ada)

    deletes = api_writes(sync_env, "DELETE")
    assert len(deletes) == 1 and "/service/" in deletes[0]["path"]


def test_a_row_cannot_move_its_item_to_another_section(sync_env, ada, tmp_path):
    import_file(tmp_path, [row("service", "Editor", "2020", local_id="S1")])
    output = import_file(tmp_path, [row("membership", "Editor", "2020", local_id="S1",
                                        external=("M-1", "other-id", ""))])
    assert "line 2 (S1): rejected" in output and "cannot move to membership" in output


def test_a_file_without_the_section_column_is_refused_whole(ada, tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text("email,role-title\nada@example.edu,Professor\n", encoding="utf-8")
    with pytest.raises(CommandError, match="affiliation-section"):
        call_command("import_affiliations", str(file), "--unit", "registry", stdout=io.StringIO(),
                     stderr=io.StringIO())


def test_the_mass_change_guard_applies_to_endings(ada, tmp_path):
    services = [row("service", f"Reviewer {n}", "2020", local_id=f"S{n}") for n in range(12)]
    import_file(tmp_path, services)
    with pytest.raises(CommandError, match="allow-mass-removal"):
        import_file(tmp_path, services[:1], "--snapshot")  # would end 11 of 12
    assert not Affiliation.objects.filter(end_year__isnull=False).exists()
    output = import_file(tmp_path, services[:1], "--snapshot", "--allow-mass-removal")
    assert "ended (no longer in the file): S1, S10, S11, S2" in output
    assert Affiliation.objects.filter(end_year__isnull=False).count() == 11
    assert Affiliation.objects.filter(ended_at__isnull=False).count() == 11
    # Listed again, an ended affiliation is current again (its end date and the note cleared).
    output = import_file(tmp_path, services)
    assert output.count("): updated") == 11
    assert not Affiliation.objects.filter(ended_at__isnull=False).exists()
    assert not Affiliation.objects.filter(removed_at__isnull=False).exists()


def test_withdrawing_a_units_items_marks_its_affiliations_and_employments(ada, tmp_path):
    from units.models import Unit
    from units.permissions import unit_items_withdraw

    import_file(tmp_path, GOOD_ROWS)
    counts = unit_items_withdraw(unit=Unit.objects.get(code="registry"))
    assert counts["affiliations"] == 6 and counts["employments"] == 1


def test_a_dry_run_reports_every_row_and_saves_nothing(ada, tmp_path):
    output = import_file(tmp_path, GOOD_ROWS + BAD_ROWS, "--dry-run")
    assert output.count("): created") == 7 and "line 13" in output and "Dry run: nothing was saved." in output
    assert not Affiliation.objects.exists() and not Employment.objects.exists()


def test_a_row_naming_an_unknown_person_is_rejected_and_makes_no_account(tmp_path):
    # CONTRACT §3: the researcher is institutional_id when given, else the user with the email;
    # an unknown person is a rejected row (works and employments files, from the units' own
    # systems, create the people they name; Affiliation Manager's file does not).
    from django.contrib.auth import get_user_model

    RegistryUnitFactory()
    get_user_model().objects.create_user(username="grace", email="grace@example.edu")
    output = import_file(tmp_path, [
        row("education", "DPhil", "2010", org=OXFORD, iid="zed", email=""),
        row("employment", "Professor", "2019-09-01", iid="zed", email=""),
        row("education", "MSc", "2008", org=OXFORD, email="grace@example.edu"),
    ])

    assert "line 2" in output and "institutional_id 'zed' is no user of the portal" in output
    assert "line 3" in output and output.count("institutional_id 'zed' is no user of the portal") == 2
    assert not get_user_model().objects.filter(username="zed").exists()
    assert list(Affiliation.objects.values_list("researcher__username", "role_title")) == [("grace", "MSc")]
    assert not Employment.objects.exists()
