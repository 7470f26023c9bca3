"""The parsers behind `import_works`: whatever a unit's file holds, an entry is either a clean
work or a rejection with a reason, never a crash; and every imported work serialises to XML
that ORCID's XSD accepts."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from works.importers import CSV_COLUMNS, iter_csl_json, iter_csv
from works.models import Work
from works.orcid_serialization import work_to_xml, work_xml_errors

cell = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "true", "false", "journal-article", "book-chapter", "2020", "2020-02-29", "2021-02-29",
                     "10.5555/x", "https://doi.org/10.5555/Y", "0-306-40615-2", "9780306406157", "PMC123",
                     "29234567", "2101.00001", "Ada|0000-0002-1825-0097", "Bob|0000-0002-1825-0096",
                     "https://example.org/a", "ada", "x" * 1200]),
)
row = st.fixed_dictionaries({name: cell for name in CSV_COLUMNS})


def as_work(data) -> Work:
    fields = {k: getattr(data, k) for k in ("title", "subtitle", "work_type", "publication_year", "publication_month",
                                             "publication_day", "journal_title", "short_description", "external_ids",
                                             "url", "contributors", "citation", "citation_type", "public")}
    return Work(unit_id=1, local_id=data.local_id, **fields)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=5))
def test_any_csv_row_is_imported_or_rejected_with_a_reason(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    buffer.seek(0)
    entries = list(iter_csv(buffer))
    for entry in entries:
        assert entry.where.startswith("line ")
        if entry.data is None:
            assert entry.error
        else:
            assert entry.data.title and entry.data.local_id and entry.data.institutional_id
            assert work_xml_errors(work_to_xml(as_work(entry.data))) == []


csl_item = st.fixed_dictionaries(
    {"institutional_id": cell, "local_id": cell, "title": st.one_of(cell, st.lists(cell, max_size=2)),
     "type": st.sampled_from(["article-journal", "chapter", "book", "thesis", "webpage", "nonsense", ""])},
    optional={"issued": st.one_of(st.fixed_dictionaries({"date-parts": st.lists(st.lists(st.one_of(
        st.integers(-5, 3000), st.text(max_size=4)), max_size=4), max_size=2)}), cell),
        "DOI": cell, "ISBN": cell, "ISSN": cell, "URL": cell, "public": st.one_of(st.booleans(), cell),
        "author": st.lists(st.fixed_dictionaries({}, optional={"family": cell, "given": cell, "literal": cell,
                                                               "ORCID": cell}), max_size=3)},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(csl_item, st.integers(-10**9, 10**9), st.none()), min_size=1, max_size=5))
def test_any_csl_item_is_imported_or_rejected_with_a_reason(items):
    entries = list(iter_csl_json(io.BytesIO(json.dumps(items).encode())))
    assert [e.number for e in entries] == list(range(1, len(items) + 1))
    for entry in entries:
        if entry.data is None:
            assert entry.error
        else:
            assert work_xml_errors(work_to_xml(as_work(entry.data))) == []
