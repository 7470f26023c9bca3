"""What ORCID calls "the same external identifier" (409 9021), pair by pair.

Each row says what ORCID does and why, from ORCID-Source: orcid-core's PIDNormalizationService
(org/orcid/core/utils/v3/identifiers/) runs CaseSensitiveNormalizer first (lower-cases the value
unless the type is case_sensitive in ORCID's identifier_type table: ark, bibcode, cgn, emdb, empiar,
ethos, k10plus, ol, rrid, uri), then the type's own normaliser (DOINormalizer, ISBNNormalizer,
PMIDNormalizer, ArxivNormalizer, BibcodeNormalizer, PMCNormalizer, ISSNNormalizer, CurieNormalizer,
URINormalizer); orcid-model's ExternalID.equals then compares the normalised values when the new
id has one, else the values as written (ActivityValidator.checkExternalIdentifiersForDuplicates;
fundings skip normalisation there). There is no handle normaliser: handles are only case-folded.
"""

from __future__ import annotations

import pytest

from orcid_simulator.identifiers import normalise, same_external_id
from tests.orcid_simulator.conftest import Api, error_code, work_json

SAME, DIFFERENT = True, False

PAIRS = [
    # DOINormalizer: the DOI is found anywhere in the value, after case folding (doi is not case-sensitive).
    ("doi", "10.1000/ABC", "10.1000/abc", SAME),
    ("doi", "doi:10.1000/abc", "10.1000/abc", SAME),
    ("doi", "https://doi.org/10.1000/abc", "10.1000/abc", SAME),
    ("doi", "http://dx.doi.org/10.1000/ABC", "10.1000/abc", SAME),
    ("doi", "doi.org/10.1000/abc", "10.1000/abc", SAME),
    ("doi", "DOI: 10.1039/C5RA23133G", "10.1039/c5ra23133g", SAME),
    # DOINormalizer unescapes XML entities, more than once.
    ("doi", "10.1175/1520-0469(2002)059&amp;lt;2951:ROSSRB&amp;gt;2.0.CO;2",
     "10.1175/1520-0469(2002)059<2951:rossrb>2.0.co;2", SAME),
    ("doi", "10.1000/abc", "10.1000/abd", DIFFERENT),
    # Not a DOI: normalised to "", so ExternalID.equals compares the values as written.
    ("doi", "not a doi", "NOT A DOI", DIFFERENT),
    ("doi", "not a doi", "not a doi", SAME),
    # No handle normaliser: prefixes stay and make a different id; only the case is folded.
    ("handle", "hdl:10013/epic.12345", "10013/epic.12345", DIFFERENT),
    ("handle", "https://hdl.handle.net/10013/epic.12345", "10013/epic.12345", DIFFERENT),
    ("handle", "10013/EPIC.12345", "10013/epic.12345", SAME),
    # PMIDNormalizer keeps the digits as they are: leading zeros make another PMID.
    ("pmid", "0012345", "12345", DIFFERENT),
    ("pmid", "PMID: 12345", "12345", SAME),
    ("pmid", "https://pubmed.ncbi.nlm.nih.gov/12345/", "12345", SAME),
    ("pmid", "http://europepmc.org/abstract/MED/12345", "12345", SAME),
    # ISBNNormalizer strips hyphens and spaces; it does not convert ISBN-10 to ISBN-13.
    ("isbn", "0-306-40615-2", "9780306406157", DIFFERENT),
    ("isbn", "978-0-306-40615-7", "9780306406157", SAME),
    ("isbn", "ISBN 0 306 40615 x", "030640615X", SAME),
    # URINormalizer: a value without a scheme gets "http://"; uri is case-sensitive.
    ("uri", "example.org/paper", "http://example.org/paper", SAME),
    ("uri", "example.org/paper", "https://example.org/paper", DIFFERENT),
    ("uri", "http://example.org/paper", "https://example.org/paper", DIFFERENT),
    ("uri", "https://example.org/Paper", "https://example.org/paper", DIFFERENT),
    ("uri", "www.example.org", "http://www.example.org", SAME),
    # Case-sensitive types without a normaliser of their own: compared as written.
    ("ark", "ark:/13030/tf5p30086k", "ark:/13030/TF5P30086K", DIFFERENT),
    ("ol", "OL123M", "ol123m", DIFFERENT),
    ("ethos", "uk.bl.ethos.123456", "UK.BL.ETHOS.123456", DIFFERENT),
    # BibcodeNormalizer finds the 19-character bibcode; bibcode is case-sensitive.
    ("bibcode", "2019ApJ...882L..12A", "2019apj...882l..12a", DIFFERENT),
    ("bibcode", "bibcode:2019ApJ...882L..12A", "2019ApJ...882L..12A", SAME),
    # ArxivNormalizer: "arXiv:" + the identifier; a version is part of it.
    ("arxiv", "arXiv:1501.00001", "1501.00001", SAME),
    ("arxiv", "https://arxiv.org/abs/1501.00001", "1501.00001", SAME),
    ("arxiv", "ARXIV:1501.00001", "arXiv:1501.00001", SAME),
    ("arxiv", "1501.00001v2", "1501.00001", DIFFERENT),
    ("arxiv", "hep-th/9901001", "arXiv:hep-th/9901001", SAME),
    # PMCNormalizer keeps the digits; ISSNNormalizer writes 0000-000X.
    ("pmc", "PMC1234567", "1234567", SAME),
    ("issn", "0317-8471", "03178471", SAME),
    ("issn", "0317-847x", "0317-847X", SAME),
    # CurieNormalizer (rrid, case-sensitive): "RRID:" + the identifier.
    ("rrid", "RRID:AB_123456", "AB_123456", SAME),
    ("rrid", "rrid:AB_123456", "AB_123456", SAME),
    # Other types are only case-folded (CaseSensitiveNormalizer).
    ("eid", "2-s2.0-85012345678", "2-S2.0-85012345678", SAME),
    ("other-id", "ABC", "abc", SAME),
    ("grant_number", "ABC-1", "abc-1", SAME),
]


@pytest.mark.parametrize("id_type, new, existing, same", PAIRS, ids=[f"{t}:{a}|{b}" for t, a, b, _ in PAIRS])
def test_orcid_decides_whether_two_ids_are_the_same(id_type, new, existing, same):
    assert same_external_id((id_type, new), (id_type, existing)) is same
    assert same_external_id((id_type, existing), (id_type, new)) is same


def test_types_must_match_as_written():
    assert not same_external_id(("doi", "10.1000/abc"), ("handle", "10.1000/abc"))
    assert not same_external_id(("DOI", "10.1000/abc"), ("doi", "10.1000/abc"))


def test_fundings_are_compared_without_normalisation():
    """checkExternalIdentifiersForDuplicates: normalizeExtId is false for a Funding."""
    assert not same_external_id(("grant_number", "ABC-1"), ("grant_number", "abc-1"), normalised=False)
    assert same_external_id(("grant_number", "ABC-1"), ("grant_number", "ABC-1"), normalised=False)


def test_orcids_own_normaliser_examples():
    # From orcid-core's DOINormalizerTest / PMIDNormalizerTest (inputs and expected outputs).
    assert normalise("doi", "S0022-2828(12)00261-1 [pii]\n10.1016/j.yjmcc.2012.07.013") == "10.1016/j.yjmcc.2012.07.013"
    assert normalise("doi", "ijiv11i2a8") == ""
    assert normalise("pmid", "PMID: 21054200 [PubMed - indexed for MEDLINE]") == "21054200"
    assert normalise("pmid", "0000-0003-0245-8683") == ""
    assert normalise("isbn", "12345") == ""
    assert normalise("unknown-type", "Value") == "Value"


@pytest.mark.parametrize("first, second, status", [
    (("doi", "10.5555/ABC"), ("doi", "https://doi.org/10.5555/abc"), 409),
    (("isbn", "0-306-40615-2"), ("isbn", "9780306406157"), 201),
    (("handle", "10013/epic.1"), ("handle", "hdl:10013/epic.1"), 201),
    (("uri", "https://example.org/Paper"), ("uri", "https://example.org/paper"), 201),
    (("pmid", "12345"), ("pmid", "PMID:12345"), 409),
])
def test_the_member_api_refuses_a_second_work_with_the_same_id_as_orcid_decides(api: Api, first, second, status):
    def body(id_type, value):
        return work_json(**{"external-ids": {"external-id": [
            {"external-id-type": id_type, "external-id-value": value, "external-id-relationship": "self"}]}})

    api.put_code_of(api.post_work(body(*first)))
    response = api.post_work(body(*second))
    assert response.status_code == status, response.text
    if status == 409:
        assert error_code(response) == 9021
