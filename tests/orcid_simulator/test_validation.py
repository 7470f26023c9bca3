"""The rules ORCID checks in code (ActivityValidator, ExternalIDValidator), over HTTP, each with
ORCID's error code."""

from __future__ import annotations

import pytest

from .conftest import Api, employment_json, error_code, work_json


def _ids(*triples):
    return {"external-id": [{"external-id-type": t, "external-id-value": v, "external-id-relationship": r}
                            for t, v, r in triples]}


@pytest.mark.parametrize(("change", "code"), [
    ({"title": {"subtitle": {"value": "only a subtitle"}}}, 9022),
    ({"title": None}, 9022),
    ({"type": "blog"}, 9037),
    ({"type": None}, 9037),
    ({"external-ids": None}, 9023),
    ({"external-ids": {"external-id": []}}, 9023),
    ({"external-ids": _ids(("issn", "0378-5955", "part-of"))}, 9023),
    ({"external-ids": _ids(("not-a-type", "1", "self"))}, 9023),
    ({"external-ids": _ids(("doi", "10.1/x", "self"), ("doi", "10.2/y", "funded-by"))}, 9020),
    ({"publication-date": {"year": {"value": "2021"}, "month": {"value": "02"}, "day": {"value": "29"}}}, 9049),
    ({"publication-date": {"year": {"value": "2021"}, "month": {"value": "04"}, "day": {"value": "31"}}}, 9049),
    ({"publication-date": {"year": {"value": "2021"}, "month": {"value": "13"}}}, 9049),
    ({"language-code": "xx"}, 9037),
    ({"country": {"value": "ZZ"}}, 9037),
    ({"citation": {"citation-type": "chicago-ish", "citation-value": "x"}}, 9037),
    ({"title": {"title": {"value": "t"}, "translated-title": {"value": "t", "language-code": "qq"}}}, 9037),
    ({"contributors": {"contributor": [{"contributor-orcid": {"path": "1234"}}]}}, 9020),
    ({"title": {"title": {"value": "x" * 1001}}}, 9001),
    ({"contributors": {"contributor": [{"credit-name": {"value": "A"},
                                        "contributor-attributes": {"contributor-role": "wizard"}}]}}, 9058),
])
def test_a_work_breaking_an_orcid_rule_is_refused_with_its_code(api: Api, change, code):
    body = work_json()
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    response = api.post_work(body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code, response.text


def test_contributor_roles_may_be_orcids_own_or_credit(api: Api):
    people = [{"credit-name": {"value": f"P{i}"}, "contributor-attributes": {"contributor-role": role}}
              for i, role in enumerate(["author", "EDITOR", "http://credit.niso.org/contributor-roles/software/",
                                        "HTTP://credit.niso.org/contributor-roles/Data-Curation/"])]
    api.put_code_of(api.post_work(work_json(contributors={"contributor": people})))


@pytest.mark.parametrize("role", ["writing - original draft", "Author", "https://credit.niso.org/contributor-roles/software/",
                                  "http://credit.niso.org/contributor-roles/software"])
def test_a_credit_label_or_an_inexact_role_uri_is_refused_with_9058(api: Api, role):
    """ContributorRoleConverterImpl.toDBRole: a legacy role by its exact value or enum name, a
    CRediT role by its exact URI (case aside); the CRediT labels are the UI's, not the API's."""
    people = [{"credit-name": {"value": "P"}, "contributor-attributes": {"contributor-role": role}}]
    response = api.post_work(work_json(contributors={"contributor": people}))
    assert response.status_code == 400 and error_code(response) == 9058, response.text


def test_the_missing_self_identifier_message_is_orcids(api: Api):
    response = api.post_work(work_json(**{"external-ids": _ids(("isbn", "9780306406157", "part-of"))}))
    assert response.json()["developer-message"] == (
        "400 Bad Request: Invalid activity, an external identifier is required. Full validation error: "
        "Invalid external-id  At least one identifier with 'self' relationship is required")


def test_a_valid_leap_day_and_a_year_alone_are_fine(api: Api):
    api.put_code_of(api.post_work(work_json("10.5555/leap", **{"publication-date": {
        "year": {"value": "2024"}, "month": {"value": "02"}, "day": {"value": "29"}}})))
    api.put_code_of(api.post_work(work_json("10.5555/year", **{"publication-date": {"year": {"value": "1999"}}})))


def test_every_orcid_work_type_is_accepted(api: Api):
    from orcid_simulator.validation import WORK_TYPES

    bulk = {"bulk": [{"work": work_json(f"10.5555/type.{index}", type=work_type)}
                     for index, work_type in enumerate(WORK_TYPES)]}
    results = api.call("POST", "works", bulk).json()["bulk"]
    assert [next(iter(r)) for r in results] == ["work"] * len(WORK_TYPES)


def test_in_xml_the_schema_answers_before_the_rules(api: Api):
    """ORCID unmarshals XML against the XSD first: a month 13 is 9001 there, 9049 in JSON."""
    xml = """<work:work xmlns:work="http://www.orcid.org/ns/work" xmlns:common="http://www.orcid.org/ns/common">
      <work:title><common:title>T</common:title></work:title><work:type>book</work:type>
      <common:publication-date><common:year>2021</common:year><common:month>13</common:month>
      </common:publication-date></work:work>"""
    assert error_code(api.post_work(xml)) == 9001


@pytest.mark.parametrize(("change", "code"), [
    ({"organization": None}, 9046),
    ({"organization": {"name": "X", "address": {"city": "Y", "country": "GB"}}}, 9045),
    ({"organization": {"name": "X", "address": {"city": "Y", "country": "GB"}, "disambiguated-organization": {
        "disambiguated-organization-identifier": "123", "disambiguation-source": "WIKIDATA"}}}, 9045),
    ({"organization": {"name": "X", "address": {"country": "GB"}, "disambiguated-organization": {
        "disambiguated-organization-identifier": "https://ror.org/013meh722", "disambiguation-source": "ROR"}}},
     9060),
    ({"start-date": {"year": {"value": "2022"}}, "end-date": {"year": {"value": "2021"}}}, 9055),
    ({"start-date": {"year": {"value": "2022"}, "month": {"value": "02"}, "day": {"value": "30"}}}, 9049),
])
def test_an_employment_breaking_an_orcid_rule_is_refused_with_its_code(api: Api, change, code):
    body = employment_json()
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    response = api.call("POST", "employment", body)
    assert response.status_code == 400, response.text
    assert error_code(response) == code, response.text


@pytest.mark.parametrize("source, identifier", [("ROR", "https://ror.org/013meh722"), ("RINGGOLD", "2152"),
                                                ("FUNDREF", "http://dx.doi.org/10.13039/100000001"),
                                                ("GRID", "grid.5335.0")])
def test_each_organisation_identifier_source_is_accepted(api: Api, source, identifier):
    body = employment_json()
    body["organization"]["disambiguated-organization"] = {"disambiguation-source": source,
                                                          "disambiguated-organization-identifier": identifier}
    api.put_code_of(api.call("POST", "employment", body))


@pytest.mark.parametrize("source, identifier", [("ROR", "https://ror.org/04fa4r544"), ("RINGGOLD", "999999"),
                                                ("GRID", "grid.0000.0"), ("ROR", "not-a-ror-id")])
def test_an_organisation_orcid_does_not_know_is_9045(api: Api, source, identifier):
    """OrgManagerImpl.getOrgEntity: InvalidDisambiguatedOrgException for an id not in ORCID's table."""
    body = employment_json()
    body["organization"]["disambiguated-organization"] = {"disambiguation-source": source,
                                                          "disambiguated-organization-identifier": identifier}
    response = api.call("POST", "employment", body)
    assert response.status_code == 400 and error_code(response) == 9045, response.text


def test_an_organisation_added_through_the_control_interface_is_known(api: Api, orcid_simulator):
    orcid_simulator.add_organization("ROR", "https://ror.org/04fa4r544")
    body = employment_json()
    body["organization"]["disambiguated-organization"]["disambiguated-organization-identifier"] = "04fa4r544"
    api.put_code_of(api.call("POST", "employment", body))
