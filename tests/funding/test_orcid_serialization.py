"""funding/orcid_serialization.py: every funding the serialiser can produce validates against
ORCID's official funding-3.0.xsd, and JSON says what the XML says."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from orcid_client.text import clean_text

from funding.models import Funding, FundingRole, FundingType
from funding.orcid_serialization import funding_content_hash, funding_to_json, funding_to_xml, funding_xml_errors
from units.models import Unit

C = "http://www.orcid.org/ns/common"
F = "http://www.orcid.org/ns/funding"

any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
long_text = st.text(min_size=990, max_size=1300, alphabet=st.characters(codec=None))
titles = st.one_of(st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=80), long_text)
funders = st.sampled_from([
    ("", ""), ("ROR", "https://ror.org/029chgv08"), ("FUNDREF", "http://dx.doi.org/10.13039/100004440"),
    ("GRID", "grid.52788.30"), ("RINGGOLD", "6396"),
])


@st.composite
def fundings(draw):
    source, identifier = draw(funders)
    funding = Funding(
        unit=Unit(code="research-office"),
        local_id="g-1",
        title=draw(titles),
        funding_type=draw(st.sampled_from(FundingType.values)),
        funder_name=draw(titles),
        funder_city=draw(st.one_of(titles, any_text)),
        funder_country=draw(st.sampled_from(["GB", "US", "DE"])),
        funder_identifier=identifier,
        funder_source=source,
        grant_number=draw(st.one_of(st.just(""), any_text, st.just("WT 203145/Z/16/Z"))),
        grant_url=draw(st.sampled_from(["", "https://wellcome.org/grants/1?a=b&c=d"])),
        amount=draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=10**12, places=2))),
        currency=draw(st.sampled_from(["GBP", "EUR", "USD", "JPY"])),
        start_year=draw(st.one_of(st.none(), st.integers(1900, 2100))),
        start_month=draw(st.one_of(st.none(), st.integers(1, 12))),
        end_year=draw(st.one_of(st.none(), st.integers(1900, 2100))),
        role=draw(st.sampled_from(["", *FundingRole.values])),
    )
    if funding.start_year is None:
        funding.start_month = None
    funding.researcher_orcid = draw(st.sampled_from(["", "0000-0002-1825-0097"]))
    return funding


def serialisable(funding: Funding) -> bool:
    """What the serialiser promises to handle: a title and a funder's name (the importer
    refuses rows without them)."""
    return bool(clean_text(funding.title) and clean_text(funding.funder_name))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(fundings())
def test_every_generated_funding_validates_against_orcids_xsd(funding):
    assume(serialisable(funding))
    assert funding_xml_errors(funding_to_xml(funding)) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(fundings())
def test_json_and_xml_say_the_same_thing(funding):
    assume(serialisable(funding))
    body = funding_to_json(funding)
    doc = etree.fromstring(funding_to_xml(funding))
    assert doc.findtext(f"{{{F}}}title/{{{C}}}title") == body["title"]["title"]["value"]
    assert doc.findtext(f"{{{F}}}type") == body["type"]
    amount = doc.find(f"{{{F}}}amount")
    if "amount" in body:
        assert (amount.text, amount.get("currency-code")) == (body["amount"]["value"], body["amount"]["currency-code"])
    else:
        assert amount is None
    xml_ids = [e.findtext(f"{{{C}}}external-id-value") for e in doc.iter(f"{{{C}}}external-id")]
    json_ids = [e["external-id-value"] for e in body.get("external-ids", {}).get("external-id", [])]
    assert xml_ids == json_ids
    assert doc.findtext(f"{{{C}}}organization/{{{C}}}name") == body["organization"]["name"]


def _funding(**fields) -> Funding:
    values = dict(unit=Unit(code="research-office"), local_id="g-1", title="Engines", funding_type="grant",
                  funder_name="Wellcome Trust", funder_city="London", funder_country="GB",
                  funder_identifier="http://dx.doi.org/10.13039/100004440", funder_source="FUNDREF",
                  grant_number="203145/Z/16/Z", grant_url="https://wellcome.org/g/203145", amount=Decimal("1500000"),
                  currency="GBP", start_year=2017, role="co-lead")
    values.update(fields)
    funding = Funding(**values)
    funding.researcher_orcid = "0000-0002-1825-0097"
    return funding


def test_grant_number_is_the_self_external_id_and_the_researcher_the_contributor():
    body = funding_to_json(_funding())
    assert body["external-ids"]["external-id"] == [{
        "external-id-type": "grant_number", "external-id-value": "203145/Z/16/Z",
        "external-id-url": {"value": "https://wellcome.org/g/203145"}, "external-id-relationship": "self"}]
    assert body["amount"] == {"value": "1500000", "currency-code": "GBP"}
    assert body["contributors"]["contributor"][0]["contributor-attributes"] == {"contributor-role": "co-lead"}
    assert body["contributors"]["contributor"][0]["contributor-orcid"]["path"] == "0000-0002-1825-0097"
    assert body["organization"]["disambiguated-organization"]["disambiguation-source"] == "FUNDREF"


def test_cents_are_written_only_when_there_are_some():
    assert funding_to_json(_funding(amount=Decimal("1234.50")))["amount"]["value"] == "1234.50"
    assert funding_to_json(_funding(amount=Decimal("1234.00")))["amount"]["value"] == "1234"


def test_content_hash_changes_with_the_amount():
    assert funding_content_hash(_funding()) == funding_content_hash(_funding())
    assert funding_content_hash(_funding()) != funding_content_hash(_funding(amount=Decimal("1500001")))
