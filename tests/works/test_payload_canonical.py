"""The works-specific canonical form (`payload_canonical_json`, `payload_content_hash`) is exactly
what the generic walk makes of the JSON body: `canonical_json(payload_to_json(p))` and its
`content_hash`. The ledger holds those hashes, so any difference would rewrite every work on
every record at the next run; these tests compare the two on random works (and on random
payloads, which may hold what `work_payload` never produces)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orcid_client.canonical import canonical_json, content_hash
from orcid_client.identifiers import ORCID_IDENTIFIER_TYPES
from putcodes.kinds.works import _work_body_hash
from works.models import Work, WorkType
from works.orcid_serialization import (
    Contributor,
    ExternalId,
    WorkPayload,
    payload_canonical_json,
    payload_content_hash,
    payload_to_json,
    work_content_hash,
    work_payload,
    work_to_json,
)

# Any text at all: control characters, lone surrogates, RTL marks, emoji, NUL.
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40)
# Whitespace of every kind, control characters between a letter and its combining accent (the
# cleaning removes them, and NFC then composes: cleaning twice is not cleaning once), no-break
# and zero-width spaces, line and paragraph separators.
odd_text = st.text(
    alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u2003\u2028\u200b\x00\x07\x7f\ufffe")
                             + ["e", "E", "\u0301", "\u0300", "A", "\u030a", "ß", "İ", "ﬁ", "…", "{", "}", "\\", '"']),
    max_size=30,
)
words = st.lists(st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=15), min_size=1,
                 max_size=200).map(" ".join)
long_text = st.one_of(st.text(min_size=990, max_size=1100), words)
texts = st.one_of(st.just(""), any_text, odd_text, st.sampled_from(["Plain title", "  Café   au lait\tstudies "]))

id_types = st.one_of(st.sampled_from(sorted(ORCID_IDENTIFIER_TYPES)), st.sampled_from(["DOI", " doi ", "weird", ""]))
id_values = st.one_of(
    st.sampled_from([
        "10.1000/ABC", "https://doi.org/10.1000/abc", "doi:10.1000/x%20y", "https://dx.doi.org/10.1/A B",
        "PMC12345", "pmc123", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9/", "00123",
        "https://pubmed.ncbi.nlm.nih.gov/42", "978-3-16-148410-0", "0-306-40615-2", "0378-5955", "03785955",
        "arXiv:2101.00001", "https://arxiv.org/abs/2101.00001", "hdl:1234/5", "https://hdl.handle.net/1234/5",
        "x\"y\\z é", "",
    ]),
    any_text,
    odd_text,
)
relationships = st.sampled_from(["self", "part-of", "version-of", "funded-by", "SELF", "", None])
orcids = st.one_of(
    st.sampled_from(["0000-0002-1825-0097", "0000-0002-4325-871X", "0000-0002-4325-871x", " 0000-0001-5109-3700 ",
                     "https://orcid.org/0000-0002-1825-0097", "", "not-an-id", None]),
    any_text,
)
roles = st.sampled_from(["author", "AUTHOR", "editor", "chair-or-translator", "nonsense", "", None,
                         "http://credit.niso.org/contributor-roles/software/"])


@st.composite
def external_id_lists(draw):
    ids = draw(st.lists(st.fixed_dictionaries({"type": id_types, "value": id_values, "relationship": relationships}),
                        max_size=6))
    # Duplicates, as a unit's export repeats them (the same id, or the same in another case).
    for item in draw(st.lists(st.sampled_from(ids), max_size=2)) if ids else []:
        ids.append(dict(item, value=draw(st.sampled_from([item["value"], str(item["value"]).upper()]))))
    return ids


contributor_lists = st.lists(
    st.one_of(
        st.fixed_dictionaries({"name": st.one_of(texts, st.none(), st.text(min_size=140, max_size=300)),
                               "orcid": orcids, "role": roles}),
        st.just("not a contributor"),
    ),
    max_size=8,
)
citations = st.one_of(
    st.just(""), any_text, odd_text,
    st.just("@article{x,\n  title = {A  title},\n\tyear = {2020}\n}\r\n"),
    st.text(min_size=9990, max_size=10030),
)


@st.composite
def works(draw):
    return Work(
        unit_id=1,
        local_id=draw(st.one_of(st.text(max_size=70), st.just("lib-1"))),
        title=draw(st.one_of(texts, long_text)),
        subtitle=draw(st.one_of(texts, long_text)),
        work_type=draw(st.one_of(st.sampled_from(WorkType.values), st.sampled_from(["novel", "", "JOURNAL-ARTICLE"]))),
        publication_year=draw(st.one_of(st.none(), st.integers(-5, 9999), st.integers(1890, 2110))),
        publication_month=draw(st.one_of(st.none(), st.integers(-1, 14))),
        publication_day=draw(st.one_of(st.none(), st.integers(-1, 33))),
        journal_title=draw(st.one_of(texts, long_text)),
        short_description=draw(st.one_of(texts, st.text(min_size=4990, max_size=5030),
                                          st.just("First line.\nSecond  line.\r\n\n"))),
        external_ids=draw(external_id_lists()),
        url=draw(st.one_of(texts, st.sampled_from(["https://example.org/a?b=c&d=é", "http://x.org/ a"]))),
        contributors=draw(contributor_lists),
        citation=draw(citations),
        citation_type=draw(st.sampled_from(["", "bibtex", "BibTeX", "formatted-apa", "RIS", "made-up"])),
        public=True,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(works())
def test_the_works_canonical_form_is_the_generic_one_for_every_work(work):
    payload = work_payload(work)
    body = payload_to_json(payload)
    assert payload_canonical_json(payload) == canonical_json(body)
    assert payload_content_hash(payload) == content_hash(body)
    assert work_content_hash(work) == content_hash(work_to_json(work))
    assert _work_body_hash(work) == (body, content_hash(body))


# Payloads `work_payload` never makes (the functions promise the equality for any payload): any
# text in every field, years and months out of range or negative, a day without a month, an
# iD that cleans to nothing (the generic walk then reads it from the URI).
payload_texts = st.one_of(texts, st.sampled_from(["JOURNAL-ARTICLE", "Self", "First", "BibTeX", " ", "/"]))
payloads = st.builds(
    WorkPayload,
    title=payload_texts, subtitle=payload_texts, journal_title=payload_texts, short_description=payload_texts,
    citation_type=payload_texts, citation_value=payload_texts, type=payload_texts,
    year=st.one_of(st.none(), st.integers(-20, 12000)), month=st.one_of(st.none(), st.integers(-3, 120)),
    day=st.one_of(st.none(), st.integers(-3, 120)),
    external_ids=st.lists(st.builds(ExternalId, type=st.one_of(id_types, payload_texts), value=id_values,
                                    url=st.one_of(id_values, payload_texts), relationship=payload_texts), max_size=5),
    url=payload_texts,
    contributors=st.lists(st.builds(Contributor, name=payload_texts,
                                    orcid=st.one_of(orcids.filter(bool), st.sampled_from(["", " ", "a/ ", "\x00"])),
                                    sequence=payload_texts, role=payload_texts), max_size=4),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_the_works_canonical_form_is_the_generic_one_for_every_payload(payload):
    body = payload_to_json(payload)
    assert payload_canonical_json(payload) == canonical_json(body)
    assert payload_content_hash(payload) == content_hash(body)


def test_an_empty_payload_has_the_generic_empty_content():
    payload = WorkPayload(title="", subtitle="", journal_title="", short_description="", citation_type="",
                          citation_value="", type="", year=None, month=None, day=None, external_ids=[], url="",
                          contributors=[])
    assert payload_canonical_json(payload) == canonical_json(payload_to_json(payload)) == "{}"
