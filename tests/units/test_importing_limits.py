"""The hardened reader (units/importing/reader.py, issue 11): each bad file of the issue ends
with a clear error naming the limit, line or item, and loses no good row: either the file is
refused whole before anything is saved, or every other row is imported."""

from __future__ import annotations

import io
import json
import tracemalloc

import pytest
from django.core.management import CommandError, call_command

from employments.models import Employment
from tests.fixtures.employments import HrUnitFactory
from tests.fixtures.works import UnitFactory
from works.models import Work

pytestmark = pytest.mark.django_db

HR_HEADER = "institutional_id,local_id,department,role_title,start_date,end_date\n"
WORKS_HEADER = "institutional_id,local_id,title,subtitle,type,publication_date,journal,doi,pmid,pmcid,isbn,arxiv,url,contributors,public\n"


def hr_row(i: int) -> str:
    return f"person{i},E{i},Department {i},Professor,2019-09-01,\n"


def run(command: str, path, unit: str, *args) -> str:
    out = io.StringIO()
    call_command(command, str(path), "--unit", unit, *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def csl_item(i: int) -> dict:
    return {"institutional_id": "ada", "local_id": f"w{i}", "public": True, "type": "article-journal",
            "title": f"Work {i}", "DOI": f"10.5555/w.{i}"}


def test_a_nul_byte_and_a_128_kb_field_reject_their_rows_and_keep_the_17_good_ones(tmp_path):
    HrUnitFactory()
    rows = [hr_row(i) for i in range(1, 18)]
    rows.insert(5, "nul,E-NUL,Chem\x00istry,Professor,2019,\n")  # line 7
    rows.insert(11, "big,E-BIG," + "x" * (128 * 1024) + ",Professor,2019,\n")  # line 13
    path = tmp_path / "hr.csv"
    path.write_text(HR_HEADER + "".join(rows), encoding="utf-8")
    output = run("import_employments", path, "hr")
    assert Employment.objects.count() == 17
    assert "line 7 (E-NUL): rejected: column 'department' holds a NUL byte" in output
    assert "line 13 (E-BIG): rejected: column 'department' is 128 KiB, more than IMPORT_MAX_FIELD_BYTES (64 KiB)" in output
    assert output.splitlines()[-1] == "hr: created=17 updated=0 unchanged=0 restored=0 ended=0 removed=0 rejected=2"


def test_a_latin1_byte_at_row_3001_of_6000_refuses_the_file_before_any_row_is_saved(tmp_path):
    HrUnitFactory()
    lines = [hr_row(i).encode() for i in range(1, 6001)]
    lines[3000] = "p3001,E3001,Caf\xe9 culture,Professor,2019,\n".encode("latin-1")  # row 3,001 = line 3,002
    path = tmp_path / "hr.csv"
    path.write_bytes(HR_HEADER.encode() + b"".join(lines))
    with pytest.raises(CommandError, match=r"not UTF-8 text \(line 3,002\); nothing was imported"):
        run("import_employments", path, "hr")
    assert Employment.objects.count() == 0


def test_too_many_rows_refuse_the_file_naming_the_limit(tmp_path, settings):
    UnitFactory(code="library")
    settings.IMPORT_MAX_ROWS = 10
    path = tmp_path / "works.csv"
    path.write_text(WORKS_HEADER + "".join(f"ada,w{i},Work {i},,book,2020,,10.5555/w.{i},,,,,,,true\n"
                                           for i in range(11)))
    with pytest.raises(CommandError, match=r"11 rows, more than IMPORT_MAX_ROWS \(10\); nothing was imported"):
        run("import_works", path, "library")
    items = tmp_path / "works.json"
    items.write_text(json.dumps([csl_item(i) for i in range(11)]))
    with pytest.raises(CommandError, match=r"more than IMPORT_MAX_ROWS \(10\) items; nothing was imported"):
        run("import_works", items, "library")
    assert Work.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_whole(tmp_path, settings):
    HrUnitFactory()
    settings.IMPORT_MAX_FILE_BYTES = 1000
    path = tmp_path / "hr.csv"
    path.write_text(HR_HEADER + "".join(hr_row(i) for i in range(100)))
    with pytest.raises(CommandError, match=r"more than IMPORT_MAX_FILE_BYTES \(1,000 bytes\); nothing was imported"):
        run("import_employments", path, "hr")
    assert Employment.objects.count() == 0


def test_an_over_long_line_is_rejected_without_being_read_and_the_others_kept(tmp_path, settings):
    HrUnitFactory()
    settings.IMPORT_MAX_LINE_BYTES = 1024
    path = tmp_path / "hr.csv"
    path.write_text(HR_HEADER + hr_row(1) + "x," * 5000 + "\n" + hr_row(2))
    output = run("import_employments", path, "hr")
    assert "line 3: rejected: line 3 is longer than IMPORT_MAX_LINE_BYTES (1 KiB)" in output
    assert set(Employment.objects.values_list("local_id", flat=True)) == {"E1", "E2"}


def test_200_kb_of_nested_brackets_is_one_rejected_item_read_in_bounded_memory(tmp_path):
    UnitFactory(code="library")
    depth = 100_000  # 200 KB of brackets
    path = tmp_path / "works.json"
    text = "[" + json.dumps(csl_item(1)) + "," + "[" * depth + "]" * depth + "," + json.dumps(csl_item(2)) + "]"
    path.write_text(text)
    tracemalloc.start()
    try:
        output = run("import_works", path, "library")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "item 2: rejected: it is nested deeper than IMPORT_MAX_JSON_DEPTH (32 levels)" in output
    assert "created=2 updated=0 unchanged=0 rejected=1" in output
    assert peak < 64 * 1024 * 1024  # ijson.items() took over 2 GB on this file


def test_a_nested_brackets_file_alone_imports_nothing_and_says_why(tmp_path):
    UnitFactory(code="library")
    path = tmp_path / "works.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    output = run("import_works", path, "library")
    assert "item 1: rejected: it is nested deeper than IMPORT_MAX_JSON_DEPTH" in output
    assert "created=0 updated=0 unchanged=0 rejected=1" in output


def test_json_items_with_a_nul_or_an_oversized_value_are_rejected_and_the_others_kept(tmp_path):
    UnitFactory(code="library")
    items = [csl_item(1), {**csl_item(2), "title": "A\u0000B"}, {**csl_item(3), "abstract": "x" * 200_000}, csl_item(4)]
    path = tmp_path / "works.json"
    path.write_text(json.dumps(items))
    output = run("import_works", path, "library")
    assert "item 2: rejected: it holds a NUL character" in output
    assert "item 3: rejected: a value is 195.3 KiB, more than IMPORT_MAX_FIELD_BYTES (64 KiB)" in output
    assert set(Work.objects.values_list("local_id", flat=True)) == {"w1", "w4"}


def test_json_that_is_not_utf8_is_refused_whole_naming_the_item(tmp_path):
    UnitFactory(code="library")
    good = json.dumps([csl_item(1), csl_item(2)]).encode()
    path = tmp_path / "works.json"
    path.write_bytes(good[:-1] + b', {"local_id": "w3", "title": "Caf\xe9"}, ' + json.dumps(csl_item(4)).encode() + b"]")
    with pytest.raises(CommandError, match=r"not UTF-8 text \(item 3, line 1\); nothing was imported"):
        run("import_works", path, "library")
    assert Work.objects.count() == 0


def test_json_that_stops_being_json_names_the_item_and_says_what_was_kept(tmp_path):
    """JSON cannot be read past a syntax error: the items before it are kept (as
    test_import_works pins) and the error says so."""
    UnitFactory(code="library")
    path = tmp_path / "works.json"
    path.write_text(json.dumps([csl_item(1), csl_item(2)])[:-1] + ', {"local_id": "w3", "title": }]')
    with pytest.raises(CommandError, match=r"not valid JSON after item 2 \(parse error: unallowed token at this point"):
        run("import_works", path, "library")
    assert Work.objects.count() == 2


def test_line_ends_of_any_spreadsheet_are_lines_and_a_bad_row_is_named_by_its_line(tmp_path):
    HrUnitFactory()
    rows = [hr_row(1), "bob,E2,Physics,Lecturer,soon,\n", hr_row(3)]
    for ending in ("\r\n", "\r"):  # Windows; old Mac spreadsheets
        path = tmp_path / "hr.csv"
        path.write_bytes((HR_HEADER + "".join(rows)).replace("\n", ending).encode())
        output = run("import_employments", path, "hr")
        assert "line 3 (E2): rejected: start_date" in output
    assert set(Employment.objects.values_list("local_id", flat=True)) == {"E1", "E3"}


def test_a_character_cut_short_at_the_end_of_the_file_refuses_it_before_any_row(tmp_path):
    HrUnitFactory()
    path = tmp_path / "hr.csv"
    path.write_bytes((HR_HEADER + hr_row(1) + "p2,E2,Caf").encode() + "é".encode()[:1])
    with pytest.raises(CommandError, match=r"not UTF-8 text \(line 3\); nothing was imported"):
        run("import_employments", path, "hr")
    assert Employment.objects.count() == 0
