"""Organisations as ORCID stores them on affiliations and funding (`common:organization`).

Every affiliation section and every funding names an organisation: a name, an address
(city, optional region, an ISO 3166 country) and, as ORCID asks member integrations to
give, a disambiguated identifier from one of the registries ORCID knows:
https://info.orcid.org/documentation/integration-guide/working-with-organization-identifiers/

- `organization_clean(...)` validates what a file gives (country, identifier and its
  checksum) and returns an `Organization`, or raises `InvalidOrganization` with a reason a
  registrar understands. The importers use it.
- `organization_xml(parent, org)` / `organization_json(org)`: the element every serialiser
  (employment, the six other sections, funding) writes, in the XSD's order.

ROR ids carry a checksum: `0` + six Crockford base-32 characters + two digits, the ISO 7064
MOD 97-10 check of the number the seven characters encode
(https://ror.readme.io/docs/identifier). idutils checks the shape, python-stdnum the digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import idutils
import pycountry
from lxml import etree
from stdnum.iso7064 import mod_97_10

from orcid_client.text import clean_text, cut_text

NS_COMMON = "http://www.orcid.org/ns/common"
# ORCID's limits for an organisation's text (its validator refuses longer values with a 400).
NAME_MAX = 1000
CITY_MAX = 1000
REGION_MAX = 1000

ROR, GRID, RINGGOLD, FUNDREF = "ROR", "GRID", "RINGGOLD", "FUNDREF"
SOURCES = (ROR, GRID, RINGGOLD, FUNDREF)

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR_PREFIX = re.compile(r"^(https?://)?(www\.)?ror\.org/", re.IGNORECASE)
_GRID = re.compile(r"^grid\.\d{1,10}\.[0-9a-f]{1,4}$")
_FUNDREF = re.compile(r"^(?:(?:https?://)?(?:dx\.)?doi\.org/)?(?:10\.13039/)?(\d{5,15})$", re.IGNORECASE)
# Kosovo: ORCID's Iso3166Country list has it, ISO 3166-1 has only the user-assigned code.
_EXTRA_COUNTRIES = frozenset({"XK"})


class InvalidOrganization(ValueError):
    """An organisation ORCID would refuse; the message says why."""


@dataclass(frozen=True)
class Organization:
    name: str
    city: str = ""
    region: str = ""
    country: str = ""
    identifier: str = ""  # in ORCID's stored form (a ROR id as https://ror.org/…)
    source: str = ""  # ROR, GRID, RINGGOLD or FUNDREF; empty when there is no identifier


def ror_clean(value: str) -> str:
    """A ROR id (bare or as a URL) as `https://ror.org/<id>`, its checksum verified."""
    bare = _ROR_PREFIX.sub("", (value or "").strip()).strip("/").lower()
    if (not idutils.is_ror(bare) or len(bare) != 9 or not bare[7:].isdigit()
            or any(char not in _CROCKFORD for char in bare[:7])):
        raise InvalidOrganization(f"'{value}' is not a ROR id (0, six characters and two check digits)")
    number = 0
    for char in bare[:7]:
        number = number * 32 + _CROCKFORD.index(char)
    if mod_97_10.calc_check_digits(str(number)) != bare[7:]:
        raise InvalidOrganization(f"'{value}' is not a ROR id: its check digits are wrong")
    return f"https://ror.org/{bare}"


def disambiguated_id_clean(source: str, value: str) -> tuple[str, str]:
    """(source, identifier) as ORCID stores them; InvalidOrganization for a bad pair."""
    source = (source or "").strip().upper()
    value = (value or "").strip()
    if source not in SOURCES:
        raise InvalidOrganization(
            f"disambiguation source '{source}' is not one of {', '.join(SOURCES)}"
        )
    if source == ROR:
        return source, ror_clean(value)
    if source == GRID:
        if not _GRID.match(value.lower()):
            raise InvalidOrganization(f"'{value}' is not a GRID id (grid.NNNN.X)")
        return source, value.lower()
    if source == RINGGOLD:
        if not value.isdigit() or len(value) > 10:
            raise InvalidOrganization(f"'{value}' is not a Ringgold id (digits)")
        return source, str(int(value))
    match = _FUNDREF.match(value)
    if not match:
        raise InvalidOrganization(f"'{value}' is not a Funder Registry id (10.13039/NNN)")
    # The form ORCID's own organisation table holds.
    return source, f"http://dx.doi.org/10.13039/{match.group(1)}"


def country_clean(value: str) -> str:
    """An ISO 3166-1 alpha-2 country code, upper case; InvalidOrganization otherwise."""
    code = (value or "").strip().upper()
    if code in _EXTRA_COUNTRIES or (len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None):
        return code
    raise InvalidOrganization(f"'{value}' is not an ISO 3166 country code (two letters, e.g. GB)")


def organization_clean(*, name: str, city: str = "", region: str = "", country: str = "",
                       identifier: str = "", source: str = "") -> Organization:
    """An organisation from a file's cells, checked as ORCID checks it: a name, a city and a
    country are required; an identifier needs its source and is validated."""
    name = clean_text(name)
    city, region = clean_text(city), clean_text(region)
    if not name:
        raise InvalidOrganization("the organisation has no name")
    for label, text, limit in (("name", name, NAME_MAX), ("city", city, CITY_MAX), ("region", region, REGION_MAX)):
        if len(text) > limit:
            raise InvalidOrganization(f"the organisation's {label} is longer than ORCID's {limit} characters")
    if not city:
        raise InvalidOrganization("the organisation has no city")
    if not (country or "").strip():
        raise InvalidOrganization("the organisation has no country")
    country = country_clean(country)
    if (identifier or "").strip() or (source or "").strip():
        if not (identifier or "").strip():
            raise InvalidOrganization(f"disambiguation source {source} without an identifier")
        source, identifier = disambiguated_id_clean(source, identifier)
    else:
        source, identifier = "", ""
    return Organization(name, city, region, country, identifier, source)


def _clean(org: Organization) -> Organization:
    """What is written: cleaned and cut text (a stored row may predate the checks)."""
    return Organization(
        name=cut_text(clean_text(org.name), NAME_MAX),
        city=cut_text(clean_text(org.city), CITY_MAX),
        region=cut_text(clean_text(org.region), REGION_MAX),
        country=(org.country or "").strip().upper(),
        identifier=(org.identifier or "").strip() if org.source else "",
        source=(org.source or "").strip().upper() if org.identifier else "",
    )


def organization_xml(parent, org: Organization) -> None:
    """Append `common:organization` for `org` to `parent` (an lxml element)."""
    org = _clean(org)
    c = f"{{{NS_COMMON}}}"
    organization = etree.SubElement(parent, c + "organization")
    etree.SubElement(organization, c + "name").text = org.name
    address = etree.SubElement(organization, c + "address")
    for part in ("city", "region", "country"):
        if getattr(org, part):
            etree.SubElement(address, c + part).text = getattr(org, part)
    if org.identifier:
        disambiguated = etree.SubElement(organization, c + "disambiguated-organization")
        etree.SubElement(disambiguated, c + "disambiguated-organization-identifier").text = org.identifier
        etree.SubElement(disambiguated, c + "disambiguation-source").text = org.source


def organization_json(org: Organization) -> dict:
    """`org` as ORCID v3.0 JSON's `organization`."""
    org = _clean(org)
    return {
        "name": org.name,
        "address": {"city": org.city or None, "region": org.region or None, "country": org.country or None},
        "disambiguated-organization": (
            {"disambiguated-organization-identifier": org.identifier, "disambiguation-source": org.source}
            if org.identifier else None
        ),
    }


def institution() -> Organization:
    """The institution (INSTITUTION_* settings, CONTRACT §2): the organisation of an item whose
    row leaves the organisation empty."""
    from django.conf import settings

    identifier = (settings.INSTITUTION_ROR or "").strip()
    if identifier:
        bare = _ROR_PREFIX.sub("", identifier).strip("/").lower()
        identifier = f"https://ror.org/{bare}"
    return Organization(
        name=clean_text(settings.INSTITUTION_NAME),
        city=clean_text(settings.INSTITUTION_CITY),
        region=clean_text(settings.INSTITUTION_REGION),
        country=(settings.INSTITUTION_COUNTRY or "").strip().upper(),
        identifier=identifier,
        source=ROR if identifier else "",
    )
