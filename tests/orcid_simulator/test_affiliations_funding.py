"""Every affiliation section and funding over HTTP, with ORCID's validation (v3 ActivityValidator
.validateAffiliation / .validateFunding, OrgManagerImpl) and the v3.0 summaries (CONTRACT §6)."""

from __future__ import annotations

import pytest
from lxml import etree

from orcid_simulator.schema import schema_model
from tests.orcid_simulator.conftest import XML, Api, affiliation_json, error_code, funding_json

SECTIONS = ["education", "qualification", "invited-position", "distinction", "membership", "service", "employment"]


@pytest.mark.parametrize("kind", SECTIONS)
def test_each_affiliation_section_is_written_read_updated_and_deleted(api: Api, kind):
    put_code = api.put_code_of(api.call("POST", kind, affiliation_json(kind)))
    item = api.call("GET", f"{kind}/{put_code}").json()
    assert item["put-code"] == put_code and item["organization"]["name"] == "Demo University"
    item["end-date"] = {"year": {"value": "2024"}}
    response = api.call("PUT", f"{kind}/{put_code}", item)
    assert response.status_code == 200, response.text
    assert response.json()["end-date"]["year"]["value"] == "2024"
    # The plural summary groups it as ORCID does in v3.0.
    summary = api.call("GET", f"{kind}s").json()
    [group] = summary["affiliation-group"]
    assert group["summaries"][0][f"{kind}-summary"]["put-code"] == put_code
    assert api.call("DELETE", f"{kind}/{put_code}").status_code == 204
    assert api.call("GET", f"{kind}/{put_code}").status_code == 404


@pytest.mark.parametrize("kind", SECTIONS)
def test_each_section_reads_back_as_xml_valid_against_its_xsd_and_puts_back(api: Api, kind):
    put_code = api.put_code_of(api.call("POST", kind, affiliation_json(kind)))
    xml = api.call("GET", f"{kind}/{put_code}", accept=XML).content
    schema_model().validate(etree.fromstring(xml), kind)
    assert api.call("PUT", f"{kind}/{put_code}", xml, accept=XML).status_code == 200
    summary = etree.fromstring(api.call("GET", f"{kind}s", accept=XML).content)
    assert summary.tag == f"{{http://www.orcid.org/ns/activities}}{kind}s"


def test_education_needs_city_and_country_9060_and_a_disambiguated_org_9045(api: Api):
    body = affiliation_json("education")
    del body["organization"]["address"]["city"]
    assert error_code(api.call("POST", "education", body)) == 9060
    body = affiliation_json("education")
    del body["organization"]["disambiguated-organization"]
    assert error_code(api.call("POST", "education", body)) == 9045


def test_a_professional_activity_without_org_id_or_external_id_is_9062(api: Api):
    body = affiliation_json("membership")
    del body["organization"]["disambiguated-organization"]
    response = api.call("POST", "membership", body)
    assert response.status_code == 400 and error_code(response) == 9062
    body["external-ids"] = {"external-id": [{"external-id-type": "other-id", "external-id-value": "M-1",
                                             "external-id-relationship": "self"}]}
    api.put_code_of(api.call("POST", "membership", body))


def test_an_end_before_the_start_is_9055_and_an_impossible_date_9049(api: Api):
    body = affiliation_json("qualification", **{"end-date": {"year": {"value": "2019"}}})
    assert error_code(api.call("POST", "qualification", body)) == 9055
    body = affiliation_json("qualification", **{"end-date": {"year": {"value": "2023"}, "month": {"value": "02"},
                                                             "day": {"value": "30"}}})
    assert error_code(api.call("POST", "qualification", body)) == 9049


def test_the_same_affiliation_external_id_twice_is_9021(api: Api):
    ids = {"external-id": [{"external-id-type": "other-id", "external-id-value": "POS-1",
                            "external-id-relationship": "self"}]}
    api.put_code_of(api.call("POST", "service", affiliation_json("service", **{"external-ids": ids})))
    response = api.call("POST", "service", affiliation_json("service", **{"external-ids": ids}))
    assert response.status_code == 409 and error_code(response) == 9021


def test_a_funding_is_written_read_updated_and_deleted(api: Api):
    put_code = api.put_code_of(api.call("POST", "funding", funding_json()))
    funding = api.call("GET", f"funding/{put_code}").json()
    assert funding["amount"] == {"value": "250000", "currency-code": "USD"}
    funding["amount"]["value"] = "300000"
    assert api.call("PUT", f"funding/{put_code}", funding).status_code == 200
    xml = api.call("GET", f"funding/{put_code}", accept=XML).content
    schema_model().validate(etree.fromstring(xml), "funding")
    [group] = api.call("GET", "fundings").json()["group"]
    assert group["funding-summary"][0]["put-code"] == put_code
    assert api.call("DELETE", f"funding/{put_code}").status_code == 204


@pytest.mark.parametrize("change, code", [
    ({"amount": {"value": "lots", "currency-code": "USD"}}, 9054),
    ({"amount": {"value": "100", "currency-code": "XYZ"}}, 9006),
    ({"amount": {"value": "", "currency-code": "USD"}}, 9020),
    ({"external-ids": None}, 9023),
    ({"title": {"title": {"value": ""}}}, 9022),
    ({"start-date": None}, 9050),
])
def test_a_funding_orcid_refuses(api: Api, change, code):
    body = funding_json()
    for key, value in change.items():
        if value is None:
            del body[key]
        else:
            body[key] = value
    response = api.call("POST", "funding", body)
    assert response.status_code == 400 and error_code(response) == code, response.text


def test_a_funder_orcid_does_not_know_is_9045(api: Api):
    body = funding_json()
    body["organization"]["disambiguated-organization"]["disambiguated-organization-identifier"] = "10.13039/1"
    assert error_code(api.call("POST", "funding", body)) == 9045


def test_fundings_are_the_same_only_by_their_grant_number_as_written(api: Api):
    api.put_code_of(api.call("POST", "funding", funding_json("GRANT-7")))
    response = api.call("POST", "funding", funding_json("GRANT-7"))
    assert response.status_code == 409 and error_code(response) == 9021
    api.put_code_of(api.call("POST", "funding", funding_json("grant-7")))  # no normalisation for fundings


def test_the_activities_summary_has_every_section_in_orcids_order(api: Api):
    for kind in SECTIONS:
        api.put_code_of(api.call("POST", kind, affiliation_json(kind)))
    api.put_code_of(api.call("POST", "funding", funding_json()))
    summary = api.call("GET", "activities").json()
    for plural in ("distinctions", "educations", "employments", "fundings", "invited-positions", "memberships",
                   "qualifications", "services", "works"):
        assert plural in summary, plural
    assert len(summary["fundings"]["group"]) == 1
    assert len(summary["memberships"]["affiliation-group"]) == 1
    xml = etree.fromstring(api.call("GET", "activities", accept=XML).content)
    names = [etree.QName(child).localname for child in xml if isinstance(child.tag, str)]
    assert names[-9:] == ["distinctions", "educations", "employments", "fundings", "invited-positions",
                          "memberships", "qualifications", "services", "works"]
    schema_model().validate(xml, "activities")


def test_the_control_view_and_the_record_page_show_every_section(api: Api, orcid_simulator):
    import requests

    for kind in SECTIONS:
        api.put_code_of(api.call("POST", kind, affiliation_json(kind)))
    api.put_code_of(api.call("POST", "funding", funding_json()))
    view = orcid_simulator.record(api.orcid)
    assert {item["kind"] for item in view["items"]} == set(SECTIONS) | {"funding"}
    assert view["sections"]["funding"] == 1 and view["sections"]["invited-position"] == 1
    page = requests.get(f"{orcid_simulator.url}/{api.orcid}", timeout=10).text
    for heading in ("Education", "Qualifications", "Invited positions", "Distinctions", "Memberships", "Services",
                    "Employment", "Funding"):
        assert f"<h2>{heading}</h2>" in page, heading
