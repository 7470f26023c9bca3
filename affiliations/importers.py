"""ORCID Affiliation Manager's upload CSV, as it is (CONTRACT §3, "Affiliations CSV"), on the
importer framework (units.importing).

One file holds all seven sections: its `employment` rows become `employments.Employment`
rows, the others `affiliations.Affiliation` rows. So there are two import kinds, one per
model, and `affiliations_import_stream` sends each row to its kind batch by batch, keeping
the per-row report in the file's order (the framework's `import_run` does the upsert).

A row's researcher is its `institutional_id` when given, else the user whose email is
`email`. Its organisation is its own `org-*` cells, or the institution's settings when the
row leaves them all empty. Its identity in the unit is `local_id` when given, else (as
Affiliation Manager matches rows) the researcher, section, department, role and
organisation, hashed into a local_id.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import re
from dataclasses import dataclass
from itertools import islice

from django.utils import timezone

from orcid_client import text
from orcid_client.identifiers import ORCID_IDENTIFIER_TYPES
from orcid_client.organizations import InvalidOrganization, organization_clean
from units.importing import Ending, ImportKind, ParsedRow, RowInvalid, kind_get, kind_register
from units.importing.dates import date_end, fuzzy_date_parse, fuzzy_dates_in_order

from .models import Affiliation, Section

AM_COLUMNS = (
    "email", "affiliation-section", "department-name", "role-title", "start-date", "end-date", "org-name",
    "org-country", "org-city", "org-region", "disambiguation-source", "disambiguated-organization-identifier",
    "external-id", "external-id-type", "external-id-url", "url",
)
COLUMNS = (*AM_COLUMNS, "institutional_id", "local_id")
REQUIRED_COLUMNS = ("email", "affiliation-section")
SECTIONS = ("employment", *Section.values)
TEXT_MAX = 1000
URL_MAX = 2000
LOCAL_ID_MAX = 200
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_ORG_CELLS = ("org-name", "org-country", "org-city", "org-region", "disambiguation-source",
              "disambiguated-organization-identifier")

DATE_FIELDS = ("start_year", "start_month", "start_day", "end_year", "end_month", "end_day")
ORG_FIELDS = ("org_name", "org_city", "org_region", "org_country", "org_identifier", "org_source")
EMPLOYMENT_FIELDS = ("department", "role_title", *DATE_FIELDS, *ORG_FIELDS)
AFFILIATION_FIELDS = ("section", *EMPLOYMENT_FIELDS, "url", "external_id_type", "external_id_value",
                      "external_id_url", "ended_at")


@dataclass
class AffiliationRow(ParsedRow):
    section: str = ""


def _cell(cells: dict, name: str) -> str:
    return text.clean_text(cells.get(name) or "")


def _section(cells: dict) -> str:
    raw = (cells.get("affiliation-section") or "").strip()
    section = raw.lower().replace("_", "-").replace(" ", "-")
    if section not in SECTIONS:
        shown = f"'{raw[:40]}'" if raw else "empty"
        raise RowInvalid(f"affiliation-section is {shown}; expected one of {', '.join(SECTIONS)}")
    return section


def _researcher(cells: dict) -> tuple[str, str]:
    iid = (cells.get("institutional_id") or "").strip().lower()
    email = (cells.get("email") or "").strip().lower()
    if iid and not _USERNAME.match(iid):
        raise RowInvalid(f"institutional_id '{iid[:40]}' is not a valid institutional ID")
    if not iid and not email:
        raise RowInvalid("the row names no researcher: email (or institutional_id) is empty")
    if not iid and not _EMAIL.match(email):
        raise RowInvalid(f"email '{email[:60]}' is not an email address")
    return iid, email


def _dates(cells: dict) -> dict:
    try:
        start = fuzzy_date_parse(cells.get("start-date") or "")
    except ValueError as error:
        raise RowInvalid(f"start-date {error}") from None
    try:
        end = fuzzy_date_parse(cells.get("end-date") or "")
    except ValueError as error:
        raise RowInvalid(f"end-date {error}") from None
    if end[0] is not None and start[0] is None:
        raise RowInvalid("end-date without a start-date")
    if not fuzzy_dates_in_order(start, end):
        raise RowInvalid("end-date is before start-date (ORCID compares them as written: give the end date at "
                         "least as precisely as the start date)")
    return dict(zip(DATE_FIELDS, (*start, *end)))


def _organization(cells: dict) -> dict:
    if not any((cells.get(name) or "").strip() for name in _ORG_CELLS):
        return dict.fromkeys(ORG_FIELDS, "")  # the institution's, at each write
    try:
        org = organization_clean(
            name=cells.get("org-name") or "", city=cells.get("org-city") or "", region=cells.get("org-region") or "",
            country=cells.get("org-country") or "", identifier=cells.get("disambiguated-organization-identifier") or "",
            source=cells.get("disambiguation-source") or "",
        )
    except InvalidOrganization as problem:
        raise RowInvalid(str(problem)) from None
    return dict(zip(ORG_FIELDS, (org.name, org.city, org.region, org.country, org.identifier, org.source)))


def _url(cells: dict, name: str) -> str:
    url = (cells.get(name) or "").strip()
    if url and (len(url) > URL_MAX or not _URL.match(url)):
        raise RowInvalid(f"{name} '{url[:60]}' is not an http(s) URL of at most {URL_MAX} characters")
    return url


def _external_id(cells: dict) -> dict:
    value = _cell(cells, "external-id")
    id_type = (cells.get("external-id-type") or "").strip().lower()
    url = _url(cells, "external-id-url")
    if not value and not id_type:
        return {"external_id_type": "", "external_id_value": "", "external_id_url": ""}
    if not value or not id_type:
        raise RowInvalid("external-id and external-id-type go together")
    if id_type not in ORCID_IDENTIFIER_TYPES:
        raise RowInvalid(f"external-id-type '{id_type[:40]}' is not an identifier type ORCID knows")
    return {"external_id_type": id_type, "external_id_value": value, "external_id_url": url}


def _text_fields(cells: dict) -> dict:
    department, role = _cell(cells, "department-name"), _cell(cells, "role-title")
    for name, value in (("department-name", department), ("role-title", role)):
        if len(value) > TEXT_MAX:
            raise RowInvalid(f"{name} is longer than ORCID's {TEXT_MAX} characters")
    return {"department": department, "role_title": role}


def _orcid_org_rules(section: str, values: dict) -> None:
    """ORCID's own rules (v3 ActivityValidator): education and employment need a disambiguated
    organisation (400 9045); the other sections an organisation id or an external id (9062).
    A row at the institution (organisation left empty) has the institution's ROR id."""
    if not values["org_name"] or values["org_identifier"]:
        return
    if section in ("employment", "education"):
        raise RowInvalid(f"ORCID needs a disambiguated organisation for {section}: give "
                         "disambiguated-organization-identifier and disambiguation-source (ROR, GRID, RINGGOLD, "
                         "FUNDREF)")
    if not values.get("external_id_value"):
        raise RowInvalid(f"ORCID needs an organisation identifier or an external-id for {section}")


def derived_local_id(*, researcher: str, section: str, values: dict) -> str:
    """The identity Affiliation Manager matches rows by: researcher, section, department, role
    and organisation (dates and the rest may change)."""
    key = "\x1f".join([researcher, section, values["department"].casefold(), values["role_title"].casefold(),
                       values["org_name"].casefold(), values["org_country"], values["org_identifier"]])
    return f"am-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def affiliation_parse_row(cells: dict) -> AffiliationRow:
    """A row of the file checked as ORCID checks it; RowInvalid says what is wrong."""
    section = _section(cells)
    iid, email = _researcher(cells)
    values = {**_text_fields(cells), **_dates(cells), **_organization(cells)}
    if section != "employment":
        values.update(section=section, url=_url(cells, "url"), ended_at=None, **_external_id(cells))
    _orcid_org_rules(section, values)
    local_id = (cells.get("local_id") or "").strip()
    if len(local_id) > LOCAL_ID_MAX:
        raise RowInvalid(f"local_id is longer than {LOCAL_ID_MAX} characters")
    if not local_id:
        local_id = derived_local_id(researcher=iid or email, section=section, values=values)
    return AffiliationRow(local_id=local_id, values=values, institutional_id=iid, email=email, section=section)


# As employments leave HR's file (units/importing/dates.py `date_end`, employments' ending too):
# the end date becomes the import's date; one already ended is left alone; one not begun yet is removed.
ENDING = Ending(fields=DATE_FIELDS, end=date_end)


def _affiliation_end(values: dict, today):
    """Employments' ending, and the affiliation notes when a snapshot ended it (`ended_at`)."""
    decision = date_end(values, today)
    if isinstance(decision, dict):
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
        decision = {**decision, "ended_at": midnight}
    return decision


AFFILIATION_ENDING = Ending(fields=DATE_FIELDS, end=_affiliation_end)
MESSAGES = {"moved": "local_id '{local_id}' belongs to another researcher in this unit; an affiliation cannot move "
                     "to another person (give it a new local_id)"}


def _only(employment: bool):
    """A parser of one kind's rows (for the framework's own paths, e.g. a background job): the
    other kind's rows are refused, never saved in the wrong table."""
    def parse(cells: dict) -> AffiliationRow:
        row = affiliation_parse_row(cells)
        if (row.section == "employment") != employment:
            raise RowInvalid(f"{row.section} rows are imported with the whole file by import_affiliations")
        return row

    return parse


@functools.cache
def employment_rows() -> ImportKind:
    """The import kind of the file's employment rows: parsed here, written to the model of the
    kind registered as "employments" (employments.importers), found through the importer
    registry of the units layer, so this app never imports its sibling (issue 10 layers).
    Built on first use: the registry finds every app's importers by then."""
    return kind_register(ImportKind(
        name="affiliation-employments", label="employments", model=kind_get("employments").model, columns=COLUMNS,
        required_columns=REQUIRED_COLUMNS, parse_row=_only(employment=True), fields=EMPLOYMENT_FIELDS,
        ending=ENDING, messages=MESSAGES, creates_researchers=False,
    ))


AFFILIATIONS = kind_register(ImportKind(
    name="affiliations", label="affiliations", model=Affiliation, columns=COLUMNS,
    required_columns=REQUIRED_COLUMNS, parse_row=_only(employment=False), fields=AFFILIATION_FIELDS,
    ending=AFFILIATION_ENDING, messages=MESSAGES, creates_researchers=False,
    summary_fields=("created", "updated", "unchanged", "restored", "ended", "removed", "rejected"),
))


# ---------------------------------------------------------------------------------------------
# One file, two kinds
# ---------------------------------------------------------------------------------------------

def _section_moves(unit, entries) -> dict[str, str]:
    """local_id -> its current section, for the batch's affiliation rows whose section differs:
    an item cannot move between ORCID sections (it would be another item there)."""
    wanted = {e.data.local_id: e.data.section for e in entries}
    current = Affiliation.objects.filter(unit=unit, local_id__in=list(wanted)).values_list("local_id", "section")
    return {local_id: section for local_id, section in current if wanted[local_id] != section}


def _route(unit, batch, seen: dict, protected: set) -> tuple[list, list, list]:
    """The batch split into (employment entries, affiliation entries, outcomes decided here:
    unreadable rows, repeated local_ids, section moves). `seen` ({is employment: {local_id:
    line}}) and `protected` (local_ids only unreadable rows name) grow."""
    from units.importing import RowOutcome

    employments, affiliations, decided = [], [], []
    for entry in batch:
        if entry.data is None:
            if entry.local_id:  # a row that still names an item: a snapshot ends neither
                protected.add(entry.local_id)
            decided.append(RowOutcome(entry.where, entry.number, entry.local_id, "rejected", entry.error))
            continue
        employment, local_id = entry.data.section == "employment", entry.data.local_id
        if local_id in seen[employment]:
            decided.append(RowOutcome(entry.where, entry.number, local_id, "rejected",
                                      f"local_id '{local_id}' is also on line {seen[employment][local_id]}"))
            continue
        seen[employment][local_id] = entry.number
        (employments if employment else affiliations).append(entry)
    moves = _section_moves(unit, affiliations)
    for entry in [e for e in affiliations if e.data.local_id in moves]:
        affiliations.remove(entry)
        decided.append(RowOutcome(entry.where, entry.number, entry.data.local_id, "rejected",
                                  f"local_id '{entry.data.local_id}' is a {moves[entry.data.local_id]} item; it "
                                  f"cannot move to {entry.data.section} (give it a new local_id)"))
    return employments, affiliations, decided


def _batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def affiliations_import_stream(*, unit, stream, options=None, on_row=None, progress=None, limits=None,
                               checked: bool = False, batch_size: int = 1000):
    """Import an Affiliation Manager CSV (a seekable binary stream) into `unit`: employment rows
    as Employments, the six other sections as Affiliations, every row reported in the file's
    order (`on_row`). With `options.snapshot`, what the file no longer lists is ended (end
    date = today), or removed with `options.delete_missing`; the mass-change guard applies per
    kind. Returns one `ImportReport`; raises ImportFileError for a file refused whole."""
    from units.importing import ImportLimits, ImportOptions, ImportReport, entries_parse, file_check, import_run, read_csv

    options = options or ImportOptions()
    limits = limits or ImportLimits.from_settings()
    if not checked:
        file_check(stream, fmt="csv", limits=limits)
    records = read_csv(stream, required=REQUIRED_COLUMNS, expected=COLUMNS, limits=limits)
    report, seen, protected = ImportReport(), {True: {}, False: {}}, set()
    plain = ImportOptions(snapshot=False)
    both = dataclasses.replace(AFFILIATIONS, parse_row=affiliation_parse_row)  # every section
    for batch in _batches(entries_parse(both, records, "csv"), batch_size):
        employments, affiliations, outcomes = _route(unit, batch, seen, protected)
        for kind, entries in ((employment_rows(), employments), (AFFILIATIONS, affiliations)):
            if entries:
                part = import_run(kind=kind, unit=unit, entries=entries, options=plain, on_row=outcomes.append)
                report.researchers_created += part.researchers_created
        for outcome in sorted(outcomes, key=lambda o: o.number):
            report.add(outcome)
            if on_row is not None:
                on_row(outcome)
        if progress is not None:
            progress(len(batch))
    if options.snapshot:
        _snapshot(unit=unit, seen=seen, protected=protected, report=report, options=options)
    return report


class _Listed:
    """What a snapshot keeps: the local_ids the file lists for a kind, read from the import's
    own bookkeeping (no second set of 100,000 ids). Empty only when the whole file is."""

    def __init__(self, names: dict, protected: set, file_empty: bool) -> None:
        self.names, self.protected, self.file_empty = names, protected, file_empty

    def __contains__(self, local_id: str) -> bool:
        return local_id in self.names or local_id in self.protected

    def __bool__(self) -> bool:
        return not self.file_empty


def _snapshot(*, unit, seen: dict, protected: set, report, options) -> None:
    from units.importing import ImportReport
    from units.importing.snapshot import snapshot_apply

    file_empty = not (seen[True] or seen[False] or protected)
    refusals = []
    for kind, names in ((employment_rows(), seen[True]), (AFFILIATIONS, seen[False])):
        part = ImportReport()
        snapshot_apply(kind=kind, unit=unit, listed=_Listed(names, protected, file_empty), report=part,
                       delete=options.delete_missing, allow_mass_removal=options.allow_mass_removal)
        report.ended += part.ended
        report.removed += part.removed
        report.ended_local_ids.extend(part.ended_local_ids)
        report.removed_local_ids.extend(part.removed_local_ids)
        if part.prune_refused:
            refusals.append(part.prune_refused)
    report.prune_refused = " ".join(refusals)
