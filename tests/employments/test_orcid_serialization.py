"""employments/orcid_serialization.py: what is written to ORCID for an employment."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree

from employments.models import Employment
from employments.orcid_serialization import (
    clean_text,
    employment_content_hash,
    employment_to_json,
    employment_to_xml,
    ror_url,
)
from units.models import Unit

NS = {"e": "http://www.orcid.org/ns/employment", "c": "http://www.orcid.org/ns/common"}


@lru_cache(maxsize=1)
def employment_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(settings.ORCID_SCHEMA_DIR / "record_3.0" / "employment-3.0.xsd")))


def assert_valid(body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    schema = employment_schema()
    assert schema.validate(document), schema.error_log
    return document


def unsaved_employment(**fields) -> Employment:
    values = {
        "unit": Unit(code="hr", name="HR", requires_approval=False),
        "local_id": "emp-1",
        "department": "Department of Chemistry",
        "role_title": "Professor",
        "start_year": 2019,
        "start_month": 9,
        "start_day": 1,
    }
    values.update(fields)
    return Employment(**values)


def test_employment_xml_carries_institution_with_ror_department_role_and_dates(settings):
    settings.INSTITUTION_NAME = "Stanford University"
    settings.INSTITUTION_CITY = "Stanford"
    settings.INSTITUTION_REGION = "CA"
    settings.INSTITUTION_COUNTRY = "us"
    settings.INSTITUTION_ROR = "00f54p054"
    employment = unsaved_employment(end_year=2024, end_month=6, end_day=None)

    document = assert_valid(employment_to_xml(employment))

    assert document.findtext("c:department-name", namespaces=NS) == "Department of Chemistry"
    assert document.findtext("c:role-title", namespaces=NS) == "Professor"
    assert [e.text for e in document.find("c:start-date", NS)] == ["2019", "09", "01"]
    assert [e.text for e in document.find("c:end-date", NS)] == ["2024", "06"]
    organization = document.find("c:organization", NS)
    assert organization.findtext("c:name", namespaces=NS) == "Stanford University"
    assert organization.findtext("c:address/c:city", namespaces=NS) == "Stanford"
    assert organization.findtext("c:address/c:region", namespaces=NS) == "CA"
    assert organization.findtext("c:address/c:country", namespaces=NS) == "US"
    disambiguated = organization.find("c:disambiguated-organization", NS)
    assert disambiguated.findtext("c:disambiguated-organization-identifier", namespaces=NS) == "https://ror.org/00f54p054"
    assert disambiguated.findtext("c:disambiguation-source", namespaces=NS) == "ROR"


def test_employment_json_matches_the_xml():
    employment = unsaved_employment(end_year=2024)
    body = employment_to_json(employment, put_code=12)
    assert body["put-code"] == 12
    assert body["department-name"] == "Department of Chemistry"
    assert body["start-date"] == {"year": {"value": "2019"}, "month": {"value": "09"}, "day": {"value": "01"}}
    assert body["end-date"] == {"year": {"value": "2024"}}
    assert body["organization"]["disambiguated-organization"]["disambiguation-source"] == "ROR"


def test_put_code_is_set_on_updates():
    document = assert_valid(employment_to_xml(unsaved_employment(), put_code=4711))
    assert document.get("put-code") == "4711"


def test_content_hash_changes_with_a_new_end_date_only():
    employment = unsaved_employment()
    before = employment_content_hash(employment)
    assert employment_content_hash(unsaved_employment()) == before
    employment.end_year = 2025
    assert employment_content_hash(employment) != before


def test_content_hash_changes_when_the_institution_is_renamed(settings):
    employment = unsaved_employment()
    before = employment_content_hash(employment)
    settings.INSTITUTION_NAME = "Renamed University"
    assert employment_content_hash(employment) != before


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://ror.org/00F54P054", "https://ror.org/00f54p054"),
        ("ror.org/00f54p054", "https://ror.org/00f54p054"),
        ("00f54p054", "https://ror.org/00f54p054"),
        ("", ""),
    ],
)
def test_ror_ids_are_written_in_rors_canonical_form(value, expected):
    assert ror_url(value) == expected


def test_text_is_cleaned_of_control_characters_and_cut_to_orcids_limit():
    assert clean_text("Dept.\x0b of\n  Physics\x00", 100) == "Dept. of Physics"
    long = "word " * 300
    cut = clean_text(long, 1000)
    assert len(cut) <= 1000 and cut.endswith("word…")


def test_without_a_ror_the_organisation_is_still_valid(settings):
    settings.INSTITUTION_ROR = ""
    document = assert_valid(employment_to_xml(unsaved_employment()))
    assert document.find("c:organization/c:disambiguated-organization", NS) is None


# Every employment the importer can store serialises to a body ORCID's schema accepts.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=1200
)
years = st.none() | st.integers(min_value=1900, max_value=2100)
months = st.none() | st.integers(min_value=1, max_value=12)
days = st.none() | st.integers(min_value=1, max_value=31)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    department=texts, role_title=texts,
    start=st.tuples(years, months, days), end=st.tuples(years, months, days),
    # The institution's name is required by the schema; a deployment always sets one.
    institution=st.tuples(texts.filter(lambda t: clean_text(t, 1000)), texts, texts),
)
def test_every_employment_validates_against_the_official_xsd(department, role_title, start, end, institution):
    from django.test import override_settings

    name, city, region = institution
    employment = unsaved_employment(
        department=department, role_title=role_title,
        start_year=start[0], start_month=start[1], start_day=start[2],
        end_year=end[0], end_month=end[1], end_day=end[2],
    )
    with override_settings(INSTITUTION_NAME=name, INSTITUTION_CITY=city, INSTITUTION_REGION=region):
        body = employment_to_xml(employment)
    assert_valid(body)


# Dates as HR writes them, which the importer takes: YYYY, YYYY-MM or YYYY-MM-DD, or none.
hr_dates = st.one_of(
    st.just(""),
    st.integers(1900, 2100).map(str),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)).map(lambda d: d.strftime("%Y-%m")),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)).map(lambda d: d.isoformat()),
)


@pytest.mark.django_db
@hypothesis_settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(department=texts, role_title=texts, start_text=hr_dates, end_text=hr_dates)
def test_the_simulator_accepts_every_employment_the_importer_takes(orcid_simulator, department, role_title,
                                                                     start_text, end_text):
    """ORCID's own validation (the simulator's, over HTTP) takes both forms of the body of
    every employment the importer accepts."""
    from hypothesis import assume

    from employments.services import _row_parse
    from orcid_client.client import OrcidClient

    raw = {"institutional_id": "ada", "local_id": "E1", "department": department, "role_title": role_title,
           "start_date": start_text, "end_date": end_text}
    try:
        row = _row_parse(2, raw)
    except ValueError:
        assume(False)
    employment = unsaved_employment(
        department=row.department, role_title=row.role_title,
        start_year=row.start[0], start_month=row.start[1], start_day=row.start[2],
        end_year=row.end[0], end_month=row.end[1], end_day=row.end[2],
    )
    record = orcid_simulator.create_record(name="Ada Lovelace")
    client = OrcidClient(base_url=orcid_simulator.url, api_url=orcid_simulator.url)
    put_code = client.employment_create(orcid=record["orcid"], access_token=record["access_token"],
                                        body=employment_to_json(employment))
    put_code_xml = client.employment_create(orcid=record["orcid"], access_token=record["access_token"],
                                            body=employment_to_xml(employment))
    assert put_code and put_code_xml and put_code != put_code_xml
    client.employment_update(orcid=record["orcid"], access_token=record["access_token"], put_code=put_code,
                             body=employment_to_xml(employment, put_code=put_code))


def test_manage_py_check_warns_about_settings_orcid_would_refuse(settings):
    from employments.checks import institution_settings_check

    assert institution_settings_check(None) == []
    settings.INSTITUTION_CITY = ""
    settings.INSTITUTION_COUNTRY = "USA"
    ids = {problem.id for problem in institution_settings_check(None)}
    assert ids == {"employments.W001", "employments.W002"}
