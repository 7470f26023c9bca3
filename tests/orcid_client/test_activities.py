"""The generic activity calls (orcid_client.activities) against the simulator over real HTTP:
every affiliation section and funding created, read back as summaries in both formats,
updated and deleted, with bodies made by the portal's own serialisers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from affiliations.models import Affiliation, Section
from affiliations.orcid_serialization import affiliation_to_json, affiliation_to_xml
from funding.models import Funding
from funding.orcid_serialization import funding_to_json, funding_to_xml
from orcid_client import errors
from orcid_client.client import OrcidClient
from orcid_client.ratelimit import NoRateLimit
from units.models import Unit

FORMATS = ["json", "xml"]


@pytest.fixture
def client(orcid_simulator):
    client = OrcidClient(base_url=orcid_simulator.url, api_url=orcid_simulator.url, rate_limiter=NoRateLimit(),
                         backoff_base=0.02, backoff_cap=0.5, read_timeout=5)
    yield client
    client.close()


@pytest.fixture
def record(orcid_simulator):
    return orcid_simulator.create_record(name="Ada Lovelace")


def affiliation(section: str, role: str = "Fellow") -> Affiliation:
    return Affiliation(unit=Unit(code="registry"), local_id="a", section=section, role_title=role, start_year=2020,
                       org_name="University of Oxford", org_city="Oxford", org_country="GB",
                       org_identifier="https://ror.org/052gg0110", org_source="ROR")


def funding(amount: str = "1000") -> Funding:
    item = Funding(unit=Unit(code="ro"), local_id="g", title="Engines", funding_type="grant",
                   funder_name="Wellcome Trust", funder_city="London", funder_country="GB",
                   funder_identifier="http://dx.doi.org/10.13039/100004440", funder_source="FUNDREF",
                   grant_number="WT-1", amount=Decimal(amount), currency="GBP", start_year=2021, role="lead")
    item.researcher_orcid = ""
    return item


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("section", Section.values)
def test_each_section_is_created_listed_updated_and_deleted(client, record, section, fmt):
    orcid, token = record["orcid"], record["access_token"]
    body = affiliation_to_xml(affiliation(section)) if fmt == "xml" else affiliation_to_json(affiliation(section))
    put_code = client.activity_create(section=section, orcid=orcid, access_token=token, body=body)

    (summary,) = client.activity_summaries_read(section=section, orcid=orcid, access_token=token, fmt=fmt)
    assert summary.put_code == put_code and summary.role_title == "Fellow"
    assert summary.organization_name == "University of Oxford" and summary.is_from_client(client.client_id)

    changed = affiliation(section, role="Senior Fellow")
    new_body = affiliation_to_xml(changed) if fmt == "xml" else affiliation_to_json(changed)
    client.activity_update(section=section, orcid=orcid, access_token=token, put_code=put_code, body=new_body)
    read = client.activity_read(section=section, orcid=orcid, access_token=token, put_code=put_code, fmt=fmt)
    assert read.role_title == "Senior Fellow" and read.body

    client.activity_delete(section=section, orcid=orcid, access_token=token, put_code=put_code)
    assert client.activity_summaries_read(section=section, orcid=orcid, access_token=token) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_funding_round_trip_and_its_grant_number_is_the_duplicate_key(client, record, fmt):
    orcid, token = record["orcid"], record["access_token"]
    body = funding_to_xml(funding()) if fmt == "xml" else funding_to_json(funding())
    put_code = client.activity_create(section="funding", orcid=orcid, access_token=token, body=body)

    (summary,) = client.activity_summaries_read(section="funding", orcid=orcid, access_token=token, fmt=fmt)
    assert summary.put_code == put_code and summary.title == "Engines" and summary.type == "grant"
    assert [(e.type, e.value) for e in summary.self_ids] == [("grant_number", "WT-1")]
    with pytest.raises(errors.Duplicate):
        client.activity_create(section="funding", orcid=orcid, access_token=token, body=body)

    new_body = funding_to_xml(funding("2500.50")) if fmt == "xml" else funding_to_json(funding("2500.50"))
    client.activity_update(section="funding", orcid=orcid, access_token=token, put_code=put_code, body=new_body)
    read = client.activity_read(section="funding", orcid=orcid, access_token=token, put_code=put_code, fmt=fmt)
    assert (read.amount, read.currency) == ("2500.50", "GBP")


def test_an_unknown_section_is_refused_before_any_call(client, record):
    with pytest.raises(ValueError):
        client.activity_create(section="peer-review", orcid=record["orcid"], access_token="x", body={})
