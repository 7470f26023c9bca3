"""The research office's funding CSV (CONTRACT §3, "Funding CSV") on the importer framework
(units.importing): `manage.py import_funding FILE --unit CODE`.

Each row is checked as ORCID checks a funding: a type of ORCID's list, a title, the funder
as an organisation with a country (and a validated ROR/FundRef/GRID/Ringgold id), an amount
that is a number with an ISO 4217 currency, dates in order, a role of ORCID's list.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import pycountry

from orcid_client import text
from orcid_client.organizations import InvalidOrganization, organization_clean
from units.importing import ImportKind, ParsedRow, RowInvalid, kind_register
from units.importing.dates import fuzzy_date_parse, fuzzy_dates_in_order

from .models import Funding, FundingRole, FundingType

COLUMNS = (
    "institutional_id", "local_id", "title", "type", "funder_name", "funder_city", "funder_country",
    "funder_identifier", "funder_identifier_source", "grant_number", "grant_url", "amount", "currency",
    "start_date", "end_date", "role",
)
REQUIRED_COLUMNS = ("institutional_id", "local_id", "title", "funder_name", "funder_country")
FIELDS = (
    "title", "funding_type", "funder_name", "funder_city", "funder_region", "funder_country", "funder_identifier",
    "funder_source", "grant_number", "grant_url", "amount", "currency", "start_year", "start_month", "start_day",
    "end_year", "end_month", "end_day", "role",
)
TITLE_MAX = 1000
URL_MAX = 2000
LOCAL_ID_MAX = 200
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Plain digits, an optional point and at most two decimals; no sign, no grouping (a "1,500" is
# 1.5 in half of Europe: the file must say which).
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,2})?$")


def _cell(cells: dict, name: str) -> str:
    return text.clean_text(cells.get(name) or "")


def currency_clean(value: str) -> str:
    """An ISO 4217 currency code, upper case; RowInvalid otherwise."""
    code = (value or "").strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise RowInvalid(f"currency '{value.strip()[:20]}' is not an ISO 4217 currency code (e.g. EUR, GBP, USD)")
    return code


def amount_clean(value: str) -> Decimal:
    amount = (value or "").strip().replace(" ", "")
    if not _AMOUNT.match(amount):
        raise RowInvalid(f"amount '{value.strip()[:30]}' is not a number (digits, a point and at most two decimals)")
    try:
        return Decimal(amount)
    except InvalidOperation:
        raise RowInvalid(f"amount '{value.strip()[:30]}' is not a number") from None


def _choice(cells: dict, name: str, choices, default: str = "") -> str:
    value = (cells.get(name) or "").strip().lower().replace("_", "-") or default
    if value and value not in choices:
        raise RowInvalid(f"{name} '{value[:40]}' is not one of {', '.join(choices)}")
    return value


def _dates(cells: dict) -> dict:
    try:
        start = fuzzy_date_parse(cells.get("start_date") or "")
        end = fuzzy_date_parse(cells.get("end_date") or "")
    except ValueError as error:
        raise RowInvalid(f"date {error}") from None
    if end[0] is not None and start[0] is None:
        raise RowInvalid("end_date without a start_date")
    if not fuzzy_dates_in_order(start, end):
        raise RowInvalid("end_date is before start_date (give the end date at least as precisely as the start date)")
    names = ("start_year", "start_month", "start_day", "end_year", "end_month", "end_day")
    return dict(zip(names, (*start, *end)))


def _funder(cells: dict) -> dict:
    try:
        org = organization_clean(
            name=cells.get("funder_name") or "", city=cells.get("funder_city") or "",
            country=cells.get("funder_country") or "", identifier=cells.get("funder_identifier") or "",
            source=cells.get("funder_identifier_source") or "",
        )
    except InvalidOrganization as problem:
        raise RowInvalid(f"funder: {problem}") from None
    if not org.identifier:
        raise RowInvalid("funder_identifier is empty (ORCID needs the funder's ROR, FUNDREF, GRID or RINGGOLD id)")
    return {"funder_name": org.name, "funder_city": org.city, "funder_region": org.region,
            "funder_country": org.country, "funder_identifier": org.identifier, "funder_source": org.source}


def _money(cells: dict) -> dict:
    raw_amount, raw_currency = (cells.get("amount") or "").strip(), (cells.get("currency") or "").strip()
    if not raw_amount:
        return {"amount": None, "currency": currency_clean(raw_currency) if raw_currency else ""}
    if not raw_currency:
        raise RowInvalid("amount without a currency")
    return {"amount": amount_clean(raw_amount), "currency": currency_clean(raw_currency)}


def funding_parse_row(cells: dict) -> ParsedRow:
    """A row checked as ORCID checks a funding; RowInvalid says what is wrong."""
    iid = (cells.get("institutional_id") or "").strip().lower()
    local_id = (cells.get("local_id") or "").strip()
    if not iid or not _USERNAME.match(iid):
        raise RowInvalid("institutional_id is empty" if not iid else f"institutional_id '{iid[:40]}' is not valid")
    if not local_id or len(local_id) > LOCAL_ID_MAX:
        raise RowInvalid("local_id is empty" if not local_id else f"local_id is longer than {LOCAL_ID_MAX} characters")
    title = _cell(cells, "title")
    if not title or len(title) > TITLE_MAX:
        raise RowInvalid("title is empty" if not title else f"title is longer than ORCID's {TITLE_MAX} characters")
    grant_url = (cells.get("grant_url") or "").strip()
    if grant_url and (len(grant_url) > URL_MAX or not _URL.match(grant_url)):
        raise RowInvalid(f"grant_url '{grant_url[:60]}' is not an http(s) URL")
    if not _cell(cells, "grant_number"):
        raise RowInvalid("grant_number is empty (ORCID needs it: it is the funding's own identifier)")
    values = {
        "title": title,
        "funding_type": _choice(cells, "type", FundingType.values, default=FundingType.GRANT),
        **_funder(cells),
        "grant_number": _cell(cells, "grant_number")[:2000],
        "grant_url": grant_url,
        **_money(cells),
        **_dates(cells),
        "role": _choice(cells, "role", FundingRole.values),
    }
    return ParsedRow(local_id=local_id, values=values, institutional_id=iid)


FUNDING = kind_register(ImportKind(
    name="funding", label="funding items", model=Funding, columns=COLUMNS, required_columns=REQUIRED_COLUMNS,
    parse_row=funding_parse_row, fields=FIELDS,
    summary_fields=("created", "updated", "unchanged", "restored", "removed", "rejected"),
))
