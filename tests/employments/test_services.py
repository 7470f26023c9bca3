"""employments/services.py: the date rules and the researcher's choice (HR's import: test_import_employments.py)."""

from __future__ import annotations


import pytest

from employments.services import employment_choose, fuzzy_date_parse
from tests.fixtures.employments import EmploymentFactory, HrUnitFactory
from tests.fixtures.works import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "institutional_id,local_id,department,role_title,start_date,end_date\n"


def csv_text(*rows: str) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def test_only_the_researcher_may_choose():
    employment = EmploymentFactory()
    with pytest.raises(PermissionError):
        employment_choose(employment=employment, researcher=UserFactory(), approved=True)


@pytest.mark.parametrize("text, expected", [("2020", (2020, None, None)), ("2020-3", (2020, 3, None)),
                                            ("2020-03-31", (2020, 3, 31)), ("", (None, None, None))])
def test_fuzzy_dates(text, expected):
    assert fuzzy_date_parse(text) == expected


@pytest.mark.parametrize("text", ["1899", "2020/03", "03-2020", "2021-02-29", "2020-00"])
def test_fuzzy_dates_orcid_would_refuse(text):
    with pytest.raises(ValueError):
        fuzzy_date_parse(text)


def test_admin_edits_follow_the_importers_date_rules():
    from django.core.exceptions import ValidationError

    employment = EmploymentFactory.build(unit=HrUnitFactory(), researcher=UserFactory())
    employment.full_clean()
    employment.start_month, employment.start_day = None, 5
    with pytest.raises(ValidationError, match="a day needs a month"):
        employment.full_clean()
    employment.start_month, employment.start_day = 9, 1
    employment.end_year = 2018
    with pytest.raises(ValidationError, match="before the start date"):
        employment.full_clean()
