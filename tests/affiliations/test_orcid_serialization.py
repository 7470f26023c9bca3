"""affiliations/orcid_serialization.py: every affiliation of every section the serialiser can
produce validates against that section's official XSD, and JSON says what the XML says."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from affiliations.models import Affiliation, Section
from affiliations.orcid_serialization import (
    affiliation_content_hash,
    affiliation_to_json,
    affiliation_to_xml,
    affiliation_xml_errors,
)
from orcid_client.organizations import SOURCES
from units.models import Unit

C = "http://www.orcid.org/ns/common"

# Any text at all, including control characters, lone surrogates, RTL marks, emoji, NUL.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
long_text = st.text(min_size=990, max_size=1300, alphabet=st.characters(codec=None))
names = st.one_of(st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40), long_text)
identifiers = st.sampled_from([
    ("", ""), ("ROR", "https://ror.org/052gg0110"), ("GRID", "grid.4991.5"), ("RINGGOLD", "6396"),
    ("FUNDREF", "http://dx.doi.org/10.13039/501100000769"),
])
external_ids = st.sampled_from([("", "", ""), ("other-id", "A-1", ""), ("grant_number", "x y<&>", "https://e.org/1")])


@st.composite
def affiliations(draw):
    start_year = draw(st.one_of(st.none(), st.integers(1900, 2100)))
    source, identifier = draw(identifiers)
    own_org = draw(st.booleans())
    eid_type, eid_value, eid_url = draw(external_ids)
    return Affiliation(
        unit=Unit(code="registry"),
        local_id="a-1",
        section=draw(st.sampled_from(Section.values)),
        department=draw(st.one_of(st.just(""), any_text, long_text)),
        role_title=draw(st.one_of(st.just(""), any_text, long_text)),
        start_year=start_year,
        start_month=draw(st.one_of(st.none(), st.integers(1, 12))) if start_year else None,
        start_day=draw(st.one_of(st.none(), st.integers(1, 28))) if start_year else None,
        end_year=draw(st.one_of(st.none(), st.integers(1900, 2100))),
        org_name=draw(names) if own_org else "",
        org_city=draw(st.one_of(names, any_text)) if own_org else "",
        org_region=draw(st.one_of(st.just(""), any_text)) if own_org else "",
        org_country=draw(st.sampled_from(["GB", "FR", "US", "XK"])) if own_org else "",
        org_identifier=identifier if own_org else "",
        org_source=source if own_org else "",
        url=draw(st.sampled_from(["", "https://example.org/a?b=c&d=é", "http://x.org/"])),
        external_id_type=eid_type,
        external_id_value=eid_value,
        external_id_url=eid_url,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(affiliations())
def test_every_generated_affiliation_validates_against_its_sections_xsd(affiliation):
    xml = affiliation_to_xml(affiliation)
    assert affiliation_xml_errors(affiliation.section, xml) == []
    assert etree.QName(etree.fromstring(xml)).localname == affiliation.section


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(affiliations())
def test_json_and_xml_say_the_same_thing(affiliation):
    body = affiliation_to_json(affiliation)
    doc = etree.fromstring(affiliation_to_xml(affiliation))
    assert (doc.findtext(f"{{{C}}}role-title") or None) == body["role-title"]
    assert (doc.findtext(f"{{{C}}}department-name") or None) == body["department-name"]
    assert doc.findtext(f"{{{C}}}organization/{{{C}}}name") == body["organization"]["name"]
    disambiguated = body["organization"]["disambiguated-organization"]
    xml_id = doc.findtext(f"{{{C}}}organization/{{{C}}}disambiguated-organization/{{{C}}}disambiguation-source")
    assert xml_id == (disambiguated["disambiguation-source"] if disambiguated else None)
    assert len(body["organization"]["name"]) <= 1000


def _affiliation(**fields) -> Affiliation:
    values = dict(unit=Unit(code="registry"), local_id="a-1", section="invited-position", role_title="Visiting Professor",
                  start_year=2022, start_month=1, end_year=2022, end_month=6, org_name="Sorbonne Université",
                  org_city="Paris", org_country="FR", org_identifier="https://ror.org/02en5vm52", org_source="ROR")
    values.update(fields)
    return Affiliation(**values)


def test_an_affiliation_without_its_own_organisation_is_at_the_institution(settings):
    settings.INSTITUTION_NAME = "Stanford University"
    settings.INSTITUTION_COUNTRY = "US"
    settings.INSTITUTION_ROR = "00f54p054"
    body = affiliation_to_json(_affiliation(org_name="", org_city="", org_country="", org_identifier="", org_source=""))
    assert body["organization"]["name"] == "Stanford University"
    assert body["organization"]["disambiguated-organization"] == {
        "disambiguated-organization-identifier": "https://ror.org/00f54p054", "disambiguation-source": "ROR"}


def test_own_organisation_url_and_external_id_are_written():
    body = affiliation_to_json(_affiliation(url="https://sorbonne.fr/v", external_id_type="other-id",
                                            external_id_value="VP-9"))
    assert body["organization"]["address"] == {"city": "Paris", "region": None, "country": "FR"}
    assert body["url"] == {"value": "https://sorbonne.fr/v"}
    assert body["external-ids"]["external-id"][0]["external-id-value"] == "VP-9"
    assert body["end-date"] == {"year": {"value": "2022"}, "month": {"value": "06"}}


def test_content_hash_changes_with_the_end_date_and_the_section_only():
    base = _affiliation()
    assert affiliation_content_hash(base) == affiliation_content_hash(_affiliation())
    assert affiliation_content_hash(base) != affiliation_content_hash(_affiliation(end_month=7))
    assert affiliation_content_hash(base) != affiliation_content_hash(_affiliation(section="service"))


def test_every_source_the_model_offers_is_one_orcid_knows():
    assert set(SOURCES) == {"ROR", "GRID", "RINGGOLD", "FUNDREF"}
