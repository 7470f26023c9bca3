"""The row parsers of both files, property-based: any row at all is either taken (and what it
makes validates against ORCID's XSD) or rejected with a reason; never an error of another kind."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from affiliations.importers import affiliation_parse_row
from affiliations.models import Affiliation
from affiliations.orcid_serialization import affiliation_to_xml, affiliation_xml_errors
from funding.importers import funding_parse_row
from funding.models import Funding
from funding.orcid_serialization import funding_to_xml, funding_xml_errors
from units.importing import RowInvalid
from units.models import Unit

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)
names = st.one_of(st.sampled_from(["University of Oxford", "Physics", "Ångström Lab", " Fellow "]), any_text)
ORGS = [("", "", "", "", ""), ("University of Oxford", "GB", "Oxford", "ROR", "052gg0110"),
        ("Cambridge", "gb", "Cambridge", "grid", "grid.5335.0"), ("Royal Society", "GB", "London", "RINGGOLD", "6396"),
        ("NIH", "US", "Bethesda", "FUNDREF", "10.13039/100000002"), ("Bad ROR", "GB", "Oxford", "ROR", "052gg0111"),
        ("No country", "", "Paris", "", ""), ("Own, no id", "FR", "Paris", "", ""), ("X", "UK", "Y", "ISNI", "1")]


def mostly(good: list, bad: list):
    """Good values nine times in ten, else bad ones or any text at all."""
    wrong = st.one_of(st.sampled_from(bad), any_text)
    return st.integers(0, 9).flatmap(lambda n: st.sampled_from(good) if n else wrong)


@st.composite
def am_rows(draw):
    org = draw(st.sampled_from(ORGS))
    return {
        "email": draw(mostly(["ada@example.edu"], ["", "not-an-email"])),
        "affiliation-section": draw(mostly(["education", "Service", "invited_position", "employment", "distinction",
                                            "membership", "qualification"], ["teaching", ""])),
        "department-name": draw(names), "role-title": draw(names),
        "start-date": draw(mostly(["2019", "2019-02", "2019-02-28", ""], ["2019-02-30", "1899", "19-1"])),
        "end-date": draw(mostly(["2020", "2021-12", ""], ["2018-12", "2020-13"])),
        "org-name": org[0], "org-country": org[1], "org-city": org[2], "org-region": draw(mostly([""], ["Oxon"])),
        "disambiguation-source": org[3], "disambiguated-organization-identifier": org[4],
        "external-id": draw(mostly(["", "A-1"], ["x y"])), "external-id-type": draw(mostly(["", "other-id"], ["odd"])),
        "external-id-url": draw(mostly([""], ["https://e.org/id", "ftp://x"])),
        "url": draw(mostly(["", "https://e.org/a"], ["ftp://x", "https://"])),
        "institutional_id": draw(mostly(["", "ada"], ["a b"])), "local_id": draw(mostly(["", "A1"], ["x" * 201])),
    }


@st.composite
def funding_rows(draw):
    funder = draw(st.sampled_from([("Wellcome Trust", "London", "GB", "100004440", "FUNDREF"),
                                   ("NSF", "Alexandria", "US", "https://ror.org/021nxhr62", "ROR"),
                                   ("Nobody", "Nowhere", "GB", "", ""), ("Bad", "X", "ZZ", "bad", "ROR")]))
    return {
        "institutional_id": draw(mostly(["ada"], ["", "a b"])), "local_id": draw(mostly(["G1"], ["", "x" * 201])),
        "title": draw(names), "type": draw(mostly(["grant", "award", "salary_award", ""], ["gift"])),
        "funder_name": funder[0], "funder_city": funder[1], "funder_country": funder[2],
        "funder_identifier": funder[3], "funder_identifier_source": funder[4],
        "grant_number": draw(mostly(["WT 1/2", "G-7"], [""])), "grant_url": draw(mostly(["", "https://g.org/1"],
                                                                                     ["g.org"])),
        "amount": draw(mostly(["1000", "12.50", ""], ["1,000", "10.555", "-5", "1e3"])),
        "currency": draw(mostly(["GBP", "usd"], ["XYZ", "", "EURO"])),
        "start_date": draw(mostly(["2021", "2021-01", ""], ["2021-13"])), "end_date": draw(mostly(["", "2024"],
                                                                                                ["2000"])),
        "role": draw(mostly(["lead", "co_lead", ""], ["boss"])),
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(am_rows())
def test_any_affiliation_manager_row_is_taken_valid_or_rejected_with_a_reason(row):
    try:
        parsed = affiliation_parse_row(row)
    except RowInvalid as problem:
        assert str(problem)
        event("rejected")
        return
    event("taken")
    assert parsed.local_id and len(parsed.local_id) <= 200
    if parsed.section != "employment":
        affiliation = Affiliation(unit=Unit(code="u"), local_id=parsed.local_id, **parsed.values)
        assert affiliation_xml_errors(parsed.section, affiliation_to_xml(affiliation)) == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(funding_rows())
def test_any_funding_row_is_taken_valid_or_rejected_with_a_reason(row):
    try:
        parsed = funding_parse_row(row)
    except RowInvalid as problem:
        assert str(problem)
        event("rejected")
        return
    event("taken")
    funding = Funding(unit=Unit(code="u"), local_id=parsed.local_id, **parsed.values)
    funding.researcher_orcid = ""
    assert funding_xml_errors(funding_to_xml(funding)) == []
