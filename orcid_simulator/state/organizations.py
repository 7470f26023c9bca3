"""The organisations the simulator's ORCID knows (its org_disambiguated table, in miniature).

ORCID refuses an affiliation or funding whose disambiguated organisation it does not hold:
v3 `OrgManagerImpl.getOrgEntity` looks the (identifier, source) pair up with
`orgDisambiguatedDao.findBySourceIdAndSourceType` and throws InvalidDisambiguatedOrgException
(400 9045) when it finds nothing. The simulator knows the few organisations below (more can be
added through `POST /_simulator/organizations`). Identifiers are compared in a canonical form,
so `https://ror.org/00f54p054`, `ror.org/00F54P054` and `00f54p054` are one ROR id, and
`http://dx.doi.org/10.13039/100000001`, `10.13039/100000001` and `100000001` one FundRef id.
"""

from __future__ import annotations

import re

# The portal's demo institution (INSTITUTION_ROR) is Stanford's ROR id, 00f54p054.
DEFAULT_ORGANIZATIONS: dict[str, tuple[str, ...]] = {
    # 021nxhr62 is the ROR id in ORCID's own write samples (orcid-model samples/write_samples).
    "ROR": ("021nxhr62", "00f54p054", "05qwgg493", "013meh722", "052gg0110", "02jx3x895", "01ggx4157",
            "042nb2s44", "03vek6s52", "02en5vm52", "029chgv08"),
    "GRID": ("grid.168010.e", "grid.189504.1", "grid.5335.0", "grid.4991.5", "grid.83440.3b", "grid.238252.c",
             "grid.52788.30"),
    "RINGGOLD": ("6429", "1846", "2152", "6396", "4919"),
    "FUNDREF": ("100000001", "100000002", "100000003", "100004440", "100011942", "501100000269", "501100000769",
                "501100000780", "501100000781", "100014013", "501100001659", "501100001665"),
}
_ROR_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?ror\.org/", re.IGNORECASE)
_FUNDREF_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)?(?:10\.13039/)?", re.IGNORECASE)


def canonical_org_id(source: str, identifier: str) -> str:
    identifier = (identifier or "").strip()
    if source == "ROR":
        return _ROR_PREFIX.sub("", identifier).lower()
    if source == "FUNDREF":
        return _FUNDREF_PREFIX.sub("", identifier)
    if source == "GRID":
        return identifier.lower()
    return identifier


def default_organizations() -> set[tuple[str, str]]:
    return {(source, canonical_org_id(source, value)) for source, values in DEFAULT_ORGANIZATIONS.items()
            for value in values}
