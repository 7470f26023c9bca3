"""The rules ORCID checks in code, beyond the XSD, for affiliations (all seven sections) and
fundings written through the API: v3 `ActivityValidator.validateAffiliation` / `validateFunding`,
`ExternalIDValidator.validateFunding`, and `OrgManagerImpl.getOrgEntity` (an organisation ORCID
does not hold is 400 9045). Each error is the one ORCID's exception mapper gives.
"""

from __future__ import annotations

import pycountry
from lxml import etree

from orcid_simulator import paths
from orcid_simulator.errors import ApiError
from orcid_simulator.state.organizations import canonical_org_id
from orcid_simulator.validation import (
    COUNTRIES, LANGUAGE_CODES, _blank, _date_key, _text, _type_error, check_external_ids, check_fuzzy_date,
    check_visibility_unchanged,
)

# ORCID's organisation identifier sources (OrgDisambiguatedSourceType).
DISAMBIGUATION_SOURCES = frozenset({"ROR", "RINGGOLD", "FUNDREF", "GRID", "LEI"})
# Education and employment need a disambiguated organisation with city and country; the
# professional activities need an organisation id or an external id (validateDisambiguated-
# OrgAndExternalIdentifiersForProfessionalActivities).
STRICT_AFFILIATIONS = frozenset({"education", "employment"})
CURRENCIES = frozenset(currency.alpha_3 for currency in pycountry.currencies)


def _organization(element: etree._Element) -> etree._Element | None:
    found = paths.find(element, "common:organization")
    if found is None:
        found = element.find(f"{{{element.nsmap.get(None, '')}}}organization")
    return found


def _disambiguated(organization: etree._Element) -> tuple[str | None, str | None]:
    disambiguated = paths.find(organization, "common:disambiguated-organization")
    if disambiguated is None:
        return None, None
    return (_text(disambiguated, "common:disambiguated-organization-identifier"),
            _text(disambiguated, "common:disambiguation-source"))


def check_known_organization(organization: etree._Element, known: set[tuple[str, str]]) -> None:
    """OrgManagerImpl.getOrgEntity: a disambiguated organisation must be one ORCID holds."""
    identifier, source = _disambiguated(organization)
    if _blank(identifier):
        return
    if source not in DISAMBIGUATION_SOURCES:
        raise ApiError(9045, detail=f"invalid disambiguation-source {source}")
    if (source, canonical_org_id(source, identifier)) not in known:
        raise ApiError(9045)


def _check_strict_org(organization: etree._Element | None) -> None:
    """validateDisambiguatedOrg + validateOrgAddress (education, employment)."""
    if organization is None:
        raise ApiError(9046)
    identifier, _ = _disambiguated(organization)
    if _blank(identifier):
        raise ApiError(9045)
    city = _text(organization, "common:address/common:city")
    country = _text(organization, "common:address/common:country")
    if _blank(city) or _blank(country):
        raise ApiError(9060)


def _check_professional_org(element: etree._Element, organization: etree._Element | None) -> None:
    if organization is None:
        raise ApiError(9046)
    identifier, _ = _disambiguated(organization)
    has_disambiguated = paths.find(organization, "common:disambiguated-organization") is not None
    if not has_disambiguated and _blank(_text(organization, "common:name")):
        raise ApiError(9046)
    if _blank(identifier) and not paths.findall(element, "common:external-ids/common:external-id"):
        raise ApiError(9062)
    country = _text(organization, "common:address/common:country")
    if _blank(country) and not (_blank(_text(organization, "common:address/common:city"))
                                and _blank(_text(organization, "common:address/common:region"))):
        raise ApiError(9061)


def _check_dates(element: etree._Element, *, start_before_end: bool) -> None:
    start = paths.find(element, "common:start-date")
    end = paths.find(element, "common:end-date")
    check_fuzzy_date(end)
    if start is not None:
        check_fuzzy_date(start)
        if start_before_end and end is not None and _date_key(start) > _date_key(end):
            raise ApiError(9055)


def check_affiliation(kind: str, element: etree._Element, *, create: bool, original_visibility: str | None,
                      known: set[tuple[str, str]]) -> None:
    """ActivityValidator.validateAffiliation for any of the seven sections, then the organisation."""
    if element.get("put-code") is not None and create:
        raise ApiError(9024)
    if not create:
        check_visibility_unchanged(element, original_visibility)
    organization = _organization(element)
    if kind in STRICT_AFFILIATIONS:
        _check_strict_org(organization)
    else:
        _check_professional_org(element, organization)
    country = _text(organization, "common:address/common:country")
    if not _blank(country) and country not in COUNTRIES:
        raise ApiError(9001, detail=f"invalid value '{country}' for enum 'Iso3166Country'")
    _check_dates(element, start_before_end=True)
    ids = paths.findall(element, "common:external-ids/common:external-id")
    if ids:
        check_external_ids(ids, require_self=False)
    check_known_organization(organization, known)


def _check_amount(funding: etree._Element) -> None:
    amount = paths.find(funding, "funding:amount")
    if amount is None:
        return
    currency = amount.get("currency-code")
    if currency is None and not _blank(amount.text):
        raise ApiError(9020, detail="Please specify a currency code")
    if currency is not None and _blank(amount.text):
        raise ApiError(9020, detail="Please specify an amount or remove the amount tag")
    try:
        float(amount.text.strip())
    except ValueError:
        # Double.parseDouble fails: InvalidAmountException.
        raise ApiError(9054) from None
    if currency not in CURRENCIES:
        # java.util.Currency.getInstance refuses a code outside ISO 4217: IllegalArgumentException.
        raise ApiError(9006, detail=f"Invalid currency code: {currency}")


def check_funding(funding: etree._Element, *, create: bool, original_visibility: str | None,
                  known: set[tuple[str, str]]) -> None:
    """ActivityValidator.validateFunding for an API request, in ORCID's order."""
    if _blank(_text(funding, "funding:title/common:title")):
        raise ApiError(9022)
    translated = paths.find(funding, "funding:title/common:translated-title")
    if translated is not None and not _blank(translated.text):
        language = translated.get("language-code")
        if _blank(language) or language not in LANGUAGE_CODES:
            raise _type_error("translated title -> language code", ", ".join(sorted(LANGUAGE_CODES)))
    ids = paths.findall(funding, "common:external-ids/common:external-id")
    if not ids:
        raise ApiError(9023)
    _check_amount(funding)
    if funding.get("put-code") is not None and create:
        raise ApiError(9024)
    organization = _organization(funding)
    if organization is None:
        raise ApiError(9046)
    identifier, _ = _disambiguated(organization)
    if _blank(identifier):
        raise ApiError(9045)
    if paths.find(funding, "common:end-date") is not None:
        check_fuzzy_date(paths.find(funding, "common:end-date"))
        if paths.find(funding, "common:start-date") is None:
            raise ApiError(9050)
    check_fuzzy_date(paths.find(funding, "common:start-date"))
    if not create:
        check_visibility_unchanged(funding, original_visibility)
    check_external_ids(ids, require_self=False)
    check_known_organization(organization, known)
