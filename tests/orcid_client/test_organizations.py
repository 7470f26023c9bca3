"""orcid_client.organizations: organisation identifiers and countries checked as ORCID and the
registries define them (ROR's check digits, GRID, Ringgold, FundRef)."""

from __future__ import annotations

import pytest

from orcid_client.organizations import InvalidOrganization, disambiguated_id_clean, organization_clean, ror_clean


@pytest.mark.parametrize("value,expected", [
    ("05dxps055", "https://ror.org/05dxps055"),
    ("https://ror.org/052GG0110", "https://ror.org/052gg0110"),
    ("ror.org/00f54p054/", "https://ror.org/00f54p054"),
])
def test_ror_ids_with_good_check_digits_are_written_in_rors_form(value, expected):
    assert ror_clean(value) == expected


@pytest.mark.parametrize("value,reason", [
    ("052gg0111", "check digits"),
    ("152gg0110", "not a ROR id"),  # must start with 0
    ("052gl0110", "not a ROR id"),  # no L in Crockford's base 32
    ("052gg011", "not a ROR id"),
    ("", "not a ROR id"),
])
def test_bad_ror_ids_are_refused_with_a_reason(value, reason):
    with pytest.raises(InvalidOrganization, match=reason):
        ror_clean(value)


@pytest.mark.parametrize("source,value,expected", [
    ("grid", "GRID.4991.5", ("GRID", "grid.4991.5")),
    ("RINGGOLD", "06396", ("RINGGOLD", "6396")),
    ("FUNDREF", "10.13039/100004440", ("FUNDREF", "http://dx.doi.org/10.13039/100004440")),
    ("fundref", "https://doi.org/10.13039/501100000780", ("FUNDREF", "http://dx.doi.org/10.13039/501100000780")),
])
def test_other_registries_are_normalised(source, value, expected):
    assert disambiguated_id_clean(source, value) == expected


@pytest.mark.parametrize("source,value", [("GRID", "4991.5"), ("RINGGOLD", "R-1"), ("FUNDREF", "10.5555/1"),
                                          ("ISNI", "0000000121032683")])
def test_malformed_ids_and_unknown_registries_are_refused(source, value):
    with pytest.raises(InvalidOrganization):
        disambiguated_id_clean(source, value)


def test_an_organisation_needs_a_name_city_and_a_real_country():
    org = organization_clean(name=" Sorbonne\tUniversité ", city="Paris", country="fr", identifier="02en5vm52",
                             source="ror")
    assert (org.name, org.country, org.source, org.identifier) == ("Sorbonne Université", "FR", "ROR",
                                                                   "https://ror.org/02en5vm52")
    assert organization_clean(name="University of Pristina", city="Pristina", country="XK").country == "XK"
    for kwargs, reason in (({"name": "X", "city": "Y"}, "no country"), ({"name": "X", "country": "GB"}, "no city"),
                           ({"name": "", "city": "Y", "country": "GB"}, "no name"),
                           ({"name": "X", "city": "Y", "country": "UK"}, "not an ISO 3166")):
        with pytest.raises(InvalidOrganization, match=reason):
            organization_clean(**kwargs)
