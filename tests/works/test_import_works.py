"""`import_works` (CONTRACT §3): CSV and CSL-JSON, upsert by (unit, local_id), bad rows reported."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.fixtures.works import UnitFactory
from works.models import Work
from works.services import work_set_approval

pytestmark = pytest.mark.django_db

HEADER = "institutional_id,local_id,title,subtitle,type,publication_date,journal,doi,pmid,pmcid,isbn,arxiv,url,contributors,public\n"

GOOD_AND_BAD = HEADER + (
    "Ada ,lib-1,Notes on the engine,,journal-article,2019-03-14,J Comp Hist,https://doi.org/10.5555/ADA.1,,,,,,Ada Lovelace|0000-0002-1825-0097;Charles Babbage,true\n"
    "ada,lib-2,Loops,,conference-paper,2020-06,,doi:10.5555/ada.2,,,,,,Ada Lovelace,true\n"
    "ada,lib-3,Bad date,,journal-article,2019-13-01,,10.5555/ada.3,,,,,,,true\n"
    "ada,lib-4,Bad type,,novel,2019,,10.5555/ada.4,,,,,,,true\n"
    "grace,lib-5,A book,,book,2021,,,,,0-306-40615-2,,,Grace Hopper,true\n"
    "grace,lib-6,Bad ISBN,,book,2021,,,,,978-0-306-40615-8,,,Grace Hopper,true\n"
    "grace,lib-7,Bad ORCID,,book,2021,,10.5555/g.7,,,,,,Grace Hopper|0000-0002-1825-0096,true\n"
    ",lib-8,No researcher,,book,2021,,10.5555/g.8,,,,,,,true\n"
    "grace,lib-9,Private memo,,other,2022,,,29234567,PMC1234567,,2311.01234,https://example.org/memo,,false\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(path, unit="library", **kwargs):
    out = io.StringIO()
    call_command("import_works", path, unit=unit, stdout=out, skip_checks=True, **kwargs)
    return out.getvalue()


@pytest.fixture
def library():
    return UnitFactory(code="library", name="University Library")


def test_good_rows_are_kept_and_each_bad_line_is_named_with_its_reason(tmp_path, library):
    output = run(write(tmp_path, "works.csv", GOOD_AND_BAD))
    assert set(Work.objects.values_list("local_id", flat=True)) == {"lib-1", "lib-2", "lib-5", "lib-9"}
    assert "line 4: rejected: publication date '2019-13-01' has no month 13" in output
    assert "line 5: rejected: type 'novel' is not an ORCID work type" in output
    assert "line 7: rejected: isbn: '978-0-306-40615-8' is not a valid ISBN" in output
    assert "line 8: rejected: contributor 'Grace Hopper': '0000-0002-1825-0096' is not an ORCID iD" in output
    assert "line 9: rejected: institutional_id is empty" in output
    assert "created=4 updated=0 unchanged=0 rejected=5" in output


def test_identifiers_and_fields_are_normalised(tmp_path, library):
    run(write(tmp_path, "works.csv", GOOD_AND_BAD))
    first = Work.objects.get(local_id="lib-1")
    assert first.researcher.username == "ada"
    assert first.external_ids == [{"type": "doi", "value": "10.5555/ada.1", "relationship": "self"}]
    assert (first.publication_year, first.publication_month, first.publication_day) == (2019, 3, 14)
    assert first.contributors[0] == {"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "role": "author"}
    book = Work.objects.get(local_id="lib-5")
    assert book.external_ids == [{"type": "isbn", "value": "9780306406157", "relationship": "self"}]
    memo = Work.objects.get(local_id="lib-9")
    assert memo.public is False
    assert {(i["type"], i["value"]) for i in memo.external_ids} == {
        ("pmid", "29234567"), ("pmc", "PMC1234567"), ("arxiv", "2311.01234")
    }
    assert memo.url == "https://example.org/memo"


def test_researchers_are_created_on_first_sight_without_a_usable_password(tmp_path, library):
    output = run(write(tmp_path, "works.csv", GOOD_AND_BAD))
    ada = get_user_model().objects.get(username="ada")
    assert not ada.has_usable_password()
    assert "2 researcher(s) seen for the first time were created." in output


def test_doi_spellings_collapse_to_one_identifier(tmp_path, library):
    spellings = ["10.5555/Same.1", "https://doi.org/10.5555/same.1", "doi:10.5555/SAME.1", "http://dx.doi.org/10.5555/same.1"]
    rows = "".join(f"ada,lib-{i},T{i},,journal-article,2020,,{doi},,,,,,,true\n" for i, doi in enumerate(spellings))
    run(write(tmp_path, "works.csv", HEADER + rows))
    values = {w.external_ids[0]["value"] for w in Work.objects.all()}
    assert values == {"10.5555/same.1"}


def test_reimport_is_idempotent(tmp_path, library):
    path = write(tmp_path, "works.csv", GOOD_AND_BAD)
    run(path)
    before = {w.local_id: w.updated_at for w in Work.objects.all()}
    output = run(path)
    assert "created=0 updated=0 unchanged=4 rejected=5" in output
    assert {w.local_id: w.updated_at for w in Work.objects.all()} == before


def test_reimport_updates_only_what_changed_and_keeps_the_researchers_choice(tmp_path, library):
    path = write(tmp_path, "works.csv", GOOD_AND_BAD)
    run(path)
    work = Work.objects.get(local_id="lib-1")
    work_set_approval(work=work, approved=True, by=work.researcher)
    approved_at = Work.objects.get(pk=work.pk).approved_at
    corrected = GOOD_AND_BAD.replace("Notes on the engine", "Notes on the Analytical Engine")
    output = run(write(tmp_path, "works.csv", corrected))
    assert "line 2: updated lib-1" in output
    assert "created=0 updated=1 unchanged=3 rejected=5" in output
    work.refresh_from_db()
    assert work.title == "Notes on the Analytical Engine"
    assert work.approved is True and work.approved_at == approved_at


def test_the_report_has_a_line_for_every_row_in_the_files_order_unchanged_ones_too(tmp_path, library):
    """CONTRACT §3: a per-row report, so a re-import names each row (here: all unchanged)."""
    path = write(tmp_path, "works.csv", GOOD_AND_BAD)
    first = [line for line in run(path).splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in first] == [f"line {n}" for n in range(2, 11)]
    assert first[0] == "line 2: created lib-1" and first[2].startswith("line 4: rejected:")
    again = [line for line in run(path).splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in again] == [f"line {n}" for n in range(2, 11)]
    assert "line 2: unchanged lib-1" in again and "line 10: unchanged lib-9" in again
    quiet = run(path, verbosity=0)
    assert "unchanged lib-1" not in quiet and "line 4: rejected:" in quiet


def test_a_local_id_twice_in_a_file_is_rejected_the_second_time(tmp_path, library):
    rows = "ada,x-1,First,,book,2020,,10.5555/x.1,,,,,,,true\nada,x-1,Second,,book,2020,,10.5555/x.2,,,,,,,true\n"
    output = run(write(tmp_path, "works.csv", HEADER + rows))
    assert "line 3: rejected: local_id 'x-1' is also on line 2" in output
    assert Work.objects.get(local_id="x-1").title == "First"


def test_a_work_is_never_moved_to_another_researcher(tmp_path, library):
    run(write(tmp_path, "works.csv", HEADER + "ada,x-1,First,,book,2020,,10.5555/x.1,,,,,,,true\n"))
    output = run(write(tmp_path, "works.csv", HEADER + "grace,x-1,First,,book,2020,,10.5555/x.1,,,,,,,true\n"))
    assert "line 2: rejected: local_id 'x-1' belongs to another researcher" in output
    assert Work.objects.get(local_id="x-1").researcher.username == "ada"


def test_line_numbers_count_physical_lines_when_a_cell_holds_a_newline(tmp_path, library):
    rows = 'ada,x-1,"Two\nlines",,book,2020,,10.5555/x.1,,,,,,,true\nada,x-2,Bad,,book,20200,,,,,,,,,true\n'
    output = run(write(tmp_path, "works.csv", HEADER + rows))
    assert "line 4: rejected: publication_date '20200'" in output
    assert Work.objects.get(local_id="x-1").title == "Two lines"


def test_unknown_unit_is_an_error_naming_the_known_ones(tmp_path, library):
    UnitFactory(code="hr")
    with pytest.raises(CommandError, match="Unknown unit 'nope'. Known units: hr, library"):
        run(write(tmp_path, "works.csv", GOOD_AND_BAD), unit="nope")


def test_a_header_without_required_columns_is_an_error(tmp_path, library):
    with pytest.raises(CommandError, match="lacks the column\\(s\\) local_id"):
        run(write(tmp_path, "works.csv", "institutional_id,title\nada,T\n"))


def test_other_extensions_are_refused(tmp_path, library):
    with pytest.raises(CommandError, match=".csv or .json"):
        run(write(tmp_path, "works.xlsx", "x"))


CSL = [
    {
        "id": "ignored-when-local-id", "local_id": "lib-1", "institutional_id": "ADA", "public": True,
        "type": "article-journal", "title": "Notes on the engine", "container-title": "J Comp Hist",
        "issued": {"date-parts": [[2019, 3, 14]]}, "DOI": "10.5555/ADA.1",
        "author": [{"family": "Lovelace", "given": "Ada", "ORCID": "https://orcid.org/0000-0002-1825-0097"},
                   {"family": "Babbage", "given": "Charles"}],
    },
    {
        "local_id": "lib-2", "institutional_id": "ada", "public": "true", "type": "paper-conference",
        "title": "Loops", "issued": {"date-parts": [["2020", "6"]]}, "DOI": "https://doi.org/10.5555/ada.2",
        "author": [{"literal": "Ada Lovelace"}],
    },
    {
        "local_id": "lib-10", "institutional_id": "grace", "public": True, "type": "chapter", "title": "A chapter",
        "container-title": "A book", "issued": {"date-parts": [[2021]]}, "ISBN": "0-306-40615-2",
        "ISSN": "0378-5955", "PMID": "29234567", "PMCID": "PMC1234567", "URL": "https://example.org/c",
        "editor": [{"family": "Hopper", "given": "Grace"}],
    },
    {"local_id": "lib-11", "institutional_id": "grace", "type": "article-journal", "title": "Bad", "DOI": "nope"},
    "not an object",
]


def test_csl_json_imports_the_same_works_as_csv(tmp_path, library):
    run(write(tmp_path, "works.csv", GOOD_AND_BAD))
    csv_works = {w.local_id: w for w in Work.objects.filter(local_id__in=["lib-1", "lib-2"])}
    output = run(write(tmp_path, "works.json", json.dumps(CSL)))
    # lib-1 and lib-2 are the same works in both formats: nothing to update.
    assert "created=1 updated=0 unchanged=2 rejected=2" in output
    for local_id, before in csv_works.items():
        after = Work.objects.get(local_id=local_id)
        for field in ("title", "work_type", "publication_year", "publication_month", "external_ids", "researcher_id"):
            assert getattr(after, field) == getattr(before, field), field
    assert "item 4: rejected: doi: 'nope' is not a DOI" in output
    assert "item 5: rejected: the item is not a JSON object" in output


def test_csl_json_maps_types_identifiers_and_people(tmp_path, library):
    run(write(tmp_path, "works.json", json.dumps(CSL)))
    chapter = Work.objects.get(local_id="lib-10")
    assert chapter.work_type == "book-chapter"
    assert chapter.journal_title == "A book"
    assert chapter.publication_year == 2021 and chapter.publication_month is None
    ids = {(i["type"], i["value"], i["relationship"]) for i in chapter.external_ids}
    assert ("isbn", "9780306406157", "part-of") in ids  # a chapter's ISBN is the book's
    assert ("issn", "0378-5955", "part-of") in ids
    assert ("pmid", "29234567", "self") in ids
    assert chapter.contributors == [{"name": "Grace Hopper", "orcid": "", "role": "editor"}]
    first = Work.objects.get(local_id="lib-1")
    assert first.contributors[0]["orcid"] == "0000-0002-1825-0097"
    assert first.researcher.username == "ada"


def test_a_broken_json_file_keeps_what_came_before_and_says_where(tmp_path, library):
    text = json.dumps(CSL[:2])[:-1] + ", {\"broken\": "
    with pytest.raises(CommandError, match="not valid JSON after item 2"):
        run(write(tmp_path, "works.json", text))
    assert Work.objects.count() == 2


def test_large_files_show_a_progress_bar(tmp_path, library, capsys):
    rows = "".join(f"ada,big-{i},Title {i},,journal-article,2020,,10.5555/big.{i},,,,,,,true\n" for i in range(1200))
    out = io.StringIO()
    call_command("import_works", write(tmp_path, "big.csv", HEADER + rows), unit="library", stdout=out, skip_checks=True)
    assert "created=1200" in out.getvalue()
    assert "rows" in capsys.readouterr().err  # tqdm's bar on stderr


def test_a_file_that_is_not_utf8_is_an_error_that_says_so(tmp_path, library):
    path = tmp_path / "works.csv"
    path.write_bytes((HEADER + "ada,x-1,Caf\xe9 culture,,book,2020,,10.5555/x.1,,,,,,,true\n").encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run(str(path))


def test_a_byte_order_mark_and_extra_columns_are_fine(tmp_path, library):
    text = "\ufeff" + HEADER.replace("public\n", "public,notes\n") + "ada,x-1,T,,book,2020,,10.5555/x.1,,,,,,,true,hello\n"
    output = run(write(tmp_path, "works.csv", text))
    assert "created=1" in output


def test_a_dry_run_reports_what_would_happen_and_saves_nothing(tmp_path, library):
    output = run(write(tmp_path, "works.csv", GOOD_AND_BAD), dry_run=True)
    assert "created=4 updated=0 unchanged=0 rejected=5" in output
    assert "Dry run: nothing was saved." in output
    assert not Work.objects.exists()
    assert not get_user_model().objects.filter(username="ada").exists()


def test_a_json_object_without_items_is_an_error_not_an_empty_import(tmp_path, library):
    path = write(tmp_path, "one.json", json.dumps({"id": "x", "type": "book", "title": "T", "institutional_id": "ada"}))
    with pytest.raises(CommandError, match="not CSL-JSON"):
        run(path)
