"""ORCID v3.0 serialisation: every work the serialiser can produce validates against ORCID's
official work-3.0.xsd, and the JSON says the same thing as the XML."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from orcid_client.identifiers import SELF_TYPES
from units.models import Unit
from works.models import Work, WorkType
from works.orcid_serialization import (
    TITLE_MAX,
    cut_text,
    work_content_hash,
    work_payload,
    work_to_json,
    work_to_xml,
    work_xml_errors,
)

NS = {"work": "http://www.orcid.org/ns/work", "common": "http://www.orcid.org/ns/common"}

# Any text at all, including control characters, lone surrogates, RTL marks, emoji, NUL.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=60)
long_text = st.text(min_size=900, max_size=1600, alphabet=st.characters(codec=None))
words = st.lists(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=15), min_size=1,
                 max_size=250).map(" ".join)
titles = st.one_of(any_text, long_text, words, st.just(" \x00\x1f\t"))
orcids = st.sampled_from(["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-4325-871X", "", "not-an-id"])
roles = st.sampled_from(["author", "editor", "chair-or-translator", "nonsense", "", None,
                         "http://credit.niso.org/contributor-roles/software/"])
contributors = st.lists(
    st.fixed_dictionaries({"name": st.one_of(any_text, st.text(min_size=140, max_size=400)), "orcid": orcids,
                           "role": roles}),
    max_size=130,
)
id_types = st.sampled_from(sorted(SELF_TYPES | {"issn", "isbn", "weird-type"}))
external_ids = st.lists(
    st.fixed_dictionaries({"type": id_types, "value": st.one_of(any_text, st.just("10.1000/a b<c>&\"d")),
                           "relationship": st.sampled_from(["self", "part-of", "bogus", None])}),
    max_size=6,
)


@st.composite
def works(draw):
    year = draw(st.one_of(st.none(), st.integers(1, 9999), st.integers(1890, 2110)))
    return Work(
        unit_id=draw(st.integers(1, 50)),
        local_id=draw(st.text(min_size=1, max_size=40)),
        title=draw(titles),
        subtitle=draw(st.one_of(st.just(""), any_text, long_text)),
        work_type=draw(st.one_of(st.sampled_from(WorkType.values), st.just("novel"))),
        publication_year=year,
        publication_month=draw(st.one_of(st.none(), st.integers(0, 14))),
        publication_day=draw(st.one_of(st.none(), st.integers(0, 33))),
        journal_title=draw(st.one_of(st.just(""), any_text, long_text)),
        short_description=draw(st.one_of(st.just(""), any_text, st.text(min_size=4990, max_size=5100))),
        external_ids=draw(external_ids),
        url=draw(st.one_of(st.just(""), st.just("https://example.org/a?b=c&d=é"), any_text)),
        contributors=draw(contributors),
        citation=draw(st.one_of(st.just(""), any_text)),
        citation_type=draw(st.sampled_from(["", "bibtex", "formatted-apa", "made-up"])),
        public=True,
    )


def serialisable(work: Work) -> bool:
    """What the serialiser promises to handle: a work with a title (eligibility requires one)."""
    return bool(work_payload(work).title)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(works())
def test_every_generated_work_validates_against_orcids_xsd(work):
    if not serialisable(work):
        return
    xml = work_to_xml(work)
    assert work_xml_errors(xml) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(works())
def test_json_and_xml_say_the_same_thing(work):
    if not serialisable(work):
        return
    body = work_to_json(work)
    doc = etree.fromstring(work_to_xml(work))
    assert doc.findtext("work:title/common:title", namespaces=NS) == body["title"]["title"]["value"]
    assert doc.findtext("work:type", namespaces=NS) == body["type"]
    xml_ids = [(e.findtext("common:external-id-type", namespaces=NS), e.findtext("common:external-id-value", namespaces=NS))
               for e in doc.iterfind("common:external-ids/common:external-id", namespaces=NS)]
    json_ids = [(e["external-id-type"], e["external-id-value"]) for e in body["external-ids"]["external-id"]]
    assert xml_ids == json_ids
    assert len(doc.findall("work:contributors/work:contributor", namespaces=NS)) == len(
        body.get("contributors", {}).get("contributor", [])
    )
    assert len(body["title"]["title"]["value"]) <= TITLE_MAX


@given(st.text(min_size=1, max_size=3000))
def test_cut_text_never_exceeds_the_limit(text):
    assert len(cut_text(text, 1000)) <= 1000


def make_work(**fields) -> Work:
    base = dict(
        unit_id=1, local_id="lib-1", title="Notes on the Analytical Engine", work_type="journal-article",
        publication_year=2019, publication_month=3, publication_day=14, journal_title="J Comp Hist",
        external_ids=[{"type": "doi", "value": "10.5555/ada.1", "relationship": "self"},
                      {"type": "issn", "value": "0378-5955", "relationship": "part-of"}],
        contributors=[{"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "role": "author"},
                      {"name": "Charles Babbage", "orcid": "", "role": "author"}],
        public=True,
    )
    base.update(fields)
    return Work(**base)


def test_a_long_title_is_cut_at_a_word_and_the_cut_is_recorded():
    title = " ".join(["photosynthesis"] * 120)  # 1,799 characters
    payload = work_payload(make_work(title=title))
    assert len(payload.title) <= TITLE_MAX
    assert payload.title.endswith("photosynthesis…")
    assert any("title has 1,799 characters" in note for note in payload.notes)


def test_control_characters_are_stripped_and_whitespace_collapsed():
    payload = work_payload(make_work(title="Cells\x00 and\x07\n\ttissues\u200b \ud800ok"))
    assert payload.title == "Cells and tissues\u200b ok"


def test_external_ids_carry_relationship_and_resolver_url():
    body = work_to_json(make_work())
    doi, issn = body["external-ids"]["external-id"]
    assert doi == {"external-id-type": "doi", "external-id-value": "10.5555/ada.1",
                   "external-id-url": {"value": "https://doi.org/10.5555/ada.1"}, "external-id-relationship": "self"}
    assert issn["external-id-relationship"] == "part-of"


def test_contributors_carry_orcid_uri_path_host_sequence_and_role():
    body = work_to_json(make_work())
    first, second = body["contributors"]["contributor"]
    assert first["contributor-orcid"] == {"uri": "https://orcid.org/0000-0002-1825-0097",
                                          "path": "0000-0002-1825-0097", "host": "orcid.org"}
    assert first["contributor-attributes"] == {"contributor-sequence": "first", "contributor-role": "author"}
    assert "contributor-orcid" not in second
    assert second["contributor-attributes"]["contributor-sequence"] == "additional"


def test_a_bibtex_citation_is_written_when_the_unit_gives_none():
    body = work_to_json(make_work())
    assert body["citation"]["citation-type"] == "bibtex"
    assert body["citation"]["citation-value"].startswith("@article{")
    assert "doi = {10.5555/ada.1}" in body["citation"]["citation-value"]
    assert "month = {mar}" in body["citation"]["citation-value"]  # BibTeX's macro, in any locale
    december = work_to_json(make_work(publication_month=12))["citation"]["citation-value"]
    assert "month = {dec}" in december


def test_partial_dates_and_impossible_dates():
    assert work_to_json(make_work(publication_month=None, publication_day=None))["publication-date"] == {
        "year": {"value": "2019"}}
    assert work_to_json(make_work(publication_month=2, publication_day=30))["publication-date"] == {
        "year": {"value": "2019"}, "month": {"value": "02"}}
    old = work_payload(make_work(publication_year=1850))
    assert old.year is None and any("1850" in n for n in old.notes)


def test_content_hash_is_stable_and_changes_with_what_is_written():
    work = make_work()
    assert work_content_hash(work) == work_content_hash(make_work())
    work.approved, work.approved_at = True, dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert work_content_hash(work) == work_content_hash(make_work())  # choices are not content
    assert work_content_hash(make_work(title="Another title")) != work_content_hash(work)


def test_the_xml_matches_orcids_own_sample_shape():
    doc = etree.fromstring(work_to_xml(make_work()))
    assert doc.tag == "{http://www.orcid.org/ns/work}work"
    assert doc.findtext("common:publication-date/common:month", namespaces=NS) == "03"
    assert work_xml_errors(work_to_xml(make_work())) == []


@pytest.mark.django_db
def test_a_saved_work_serialises_the_same_as_an_unsaved_one():
    from tests.fixtures.works import WorkFactory

    work = WorkFactory(unit=Unit.objects.create(code="lib", name="Lib"))
    assert work_xml_errors(work_to_xml(work)) == []
