"""The canonical content hash is what the ledger holds: the same body must keep the same hash from
one release to the next (a changed hash is a PUT of every item at the next run), and the fast
paths taken for speed must give what the full cleaning gives."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from orcid_client.canonical import content_hash
from orcid_client.text import clean_text

BODIES = [
    {"title": {"title": {"value": "  Café   au lait\tstudies "}, "subtitle": {"value": "Ångström\u00a0scale"}},
     "type": "JOURNAL-ARTICLE", "journal-title": {"value": "Nature"},
     "external-ids": {"external-id": [
         {"external-id-type": "doi", "external-id-value": "https://doi.org/10.1000/ABC", "external-id-relationship": "self",
          "external-id-url": {"value": "https://doi.org/10.1000/abc"}},
         {"external-id-type": "isbn", "external-id-value": "978-3-16-148410-0", "external-id-relationship": "part-of"},
         {"external-id-type": "other-id", "external-id-value": "x\"y\\z é"},
         {"external-id-type": "pmid", "external-id-value": "12345", "external-id-relationship": "self"}]},
     "publication-date": {"year": {"value": "2021"}, "month": {"value": "3"}, "day": None},
     "contributors": {"contributor": [
         {"contributor-orcid": {"uri": "https://orcid.org/0000-0002-1825-0097"}, "credit-name": {"value": "Josiah  Carberry"},
          "contributor-attributes": {"contributor-sequence": "FIRST", "contributor-role": "AUTHOR"}}]},
     "put-code": 12, "visibility": "public", "url": {"value": "https://example.org/a b"}},
    {"organization": {"name": "Stanford University", "address": {"city": "Stanford", "region": "CA", "country": "us"},
                      "disambiguated-organization": {"disambiguated-organization-identifier": "https://ror.org/00F54P054",
                                                     "disambiguation-source": "ror"}},
     "department-name": "Libraries\n", "role-title": "Librarian", "start-date": {"year": {"value": "2019"}},
     "amount": {"value": "1,000", "currency-code": "usd"}},
]

# The hashes these bodies had when the canonical hash was introduced (putcodes migration 0006):
# a release that changes one of them rewrites every item on every record.
PINNED = [
    "990302fbfaf149432d34d258946a3757aba466e4818bbdfba550399b55ff6600",
    "95a7134ed47fdb3b49aff4e242fa775211199d1f6fe369a996c6ccb32765f8d7",
]
PINNED_EDUCATION = "dc82940616f64d2fb093f2b80fc4a65b7c293cc093c0c164d517dec428597652"


def test_the_canonical_hash_of_a_body_does_not_change_between_releases():
    assert [content_hash(body) for body in BODIES] == PINNED
    assert content_hash(BODIES[1], section="education") == PINNED_EDUCATION


def _clean_slowly(value: str, single_line: bool) -> str:
    """clean_text without its fast path: the definition the fast path must agree with."""
    import re

    text = unicodedata.normalize("NFC", value or "")
    text = re.sub("[^\u0009\u000a\u000d\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]", "", text)
    if single_line:
        text = re.sub(r"\s+", " ", text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


@settings(max_examples=500)
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=127)),
                 st.text(alphabet=" \t\n\r\x0b\x0c\x1cab{}=@,")), st.booleans())  # a BibTeX citation's
def test_cleaning_already_clean_text_quickly_gives_what_the_full_cleaning_gives(value, single_line):
    assert clean_text(value, single_line=single_line) == _clean_slowly(value, single_line)
