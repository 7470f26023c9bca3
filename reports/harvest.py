"""`harvest_orcid_works`: the works on connected researchers' ORCID records (any source) that
a unit does not hold yet, as rows of the Works CSV (CONTRACT §3) for the unit to review and
import, as Stanford's harvester feeds its profiles from ORCID.

"Held" is decided per researcher by identifier: an ORCID work is held when one of its `self`
identifiers, normalised as ORCID compares them (`orcid_client.identifiers.normalise_external_id`),
is among the identifiers of the unit's works for that researcher, or when it is one of the
unit's own items on the record (its ledger put-codes). Versions of one work from several
sources (the same DOI from Crossref and Scopus) are listed once. A work without any `self`
identifier cannot be matched, so it is listed (the unit decides). `public` is left empty: the
unit says whether the work may be shown.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator

from orcid_client.identifiers import normalise_external_id

logger = logging.getLogger(__name__)

# Works CSV identifier columns, by ORCID identifier type.
ID_COLUMNS = {"doi": "doi", "pmid": "pmid", "pmc": "pmcid", "isbn": "isbn", "arxiv": "arxiv", "handle": "handle"}


@dataclass
class HarvestResult:
    researchers: int = 0
    works: int = 0
    held: int = 0
    failed: list[str] = field(default_factory=list)  # institutional IDs whose record could not be read

    def summary_line(self) -> str:
        return f"researchers={self.researchers} works={self.works} held={self.held} failed={len(self.failed)}"


def harvest_columns() -> list[str]:
    from works.importers import CSV_COLUMNS

    return list(CSV_COLUMNS) + ["handle"]


def _held_identifiers(unit, researcher_ids: list[int]) -> dict[int, set[tuple[str, str]]]:
    from works.models import Work

    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    rows = Work.objects.filter(unit=unit, researcher_id__in=researcher_ids).values_list("researcher_id", "external_ids")
    for researcher_id, external_ids in rows.iterator():
        for ext in external_ids or []:
            id_type = (ext.get("type") or "").strip().lower()
            if id_type and ext.get("value"):
                held[researcher_id].add((id_type, normalise_external_id(id_type, ext["value"])))
    return held


def _own_put_codes(unit) -> set[tuple[str, int]]:
    from putcodes.models import OrcidItem

    rows = OrcidItem.objects.filter(unit=unit, kind=OrcidItem.Kind.WORK, put_code__isnull=False)
    return {(orcid, put_code) for orcid, put_code in rows.values_list("orcid", "put_code")}


def _csv_row(*, institutional_id: str, orcid: str, work: dict) -> dict:
    row = {column: "" for column in harvest_columns()}
    row.update({
        "institutional_id": institutional_id,
        "local_id": f"orcid-{orcid}-{work['put_code']}",
        "title": work["title"],
        "type": work["type"],
        "publication_date": work["publication_date"],
        "journal": work["journal_title"],
    })
    for ext in work["external_ids"]:
        column = ID_COLUMNS.get(ext["type"])
        if column and ext["relationship"] == "self" and not row[column]:
            row[column] = ext["value"]
    return row


def _connected_researchers():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(orcid_connection__status="active").order_by("username")


def _reader(client):
    """Reads one researcher's works: (researcher, OrcidWorks | None), closing the thread's own
    database connection when run in a worker thread."""
    from django.db import connection as db_connection

    from orcid_client.errors import OrcidError

    from .orcid_works import NoOrcidAccess, orcid_works_read

    def read(researcher, threaded: bool):
        try:
            return researcher, orcid_works_read(researcher=researcher, client=client, use_cache=False)
        except (OrcidError, NoOrcidAccess) as error:
            logger.warning("harvest: could not read the record of %s: %s", researcher.username, type(error).__name__)
            return researcher, None
        finally:
            if threaded:
                db_connection.close()

    return read


def _records(researchers: list, client, workers: int):
    """(researcher, record or None) in the researchers' order; several reads at once, as the
    sync does, so ORCID's latency does not leave the rate limit unused."""
    from django.db import connection as db_connection

    read = _reader(client)
    # Threads would not see this transaction's uncommitted rows.
    if workers <= 1 or len(researchers) <= 1 or db_connection.in_atomic_block:
        yield from (read(researcher, False) for researcher in researchers)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="orcid-harvest") as pool:
        yield from pool.map(lambda researcher: read(researcher, True), researchers)


def harvest_rows(*, unit, result: HarvestResult, client=None, workers: int | None = None) -> Iterator[dict]:
    """Yield Works CSV rows (dicts) of the works `unit` lacks; counts go to `result`."""
    from django.conf import settings

    from orcid_client.client import default_client

    researchers = list(_connected_researchers())
    held = _held_identifiers(unit, [r.pk for r in researchers])
    own = _own_put_codes(unit)
    workers = workers or int(settings.ORCID_SYNC_WORKERS)
    for researcher, record in _records(researchers, client or default_client(), workers):
        if record is None:
            result.failed.append(researcher.username)
            continue
        result.researchers += 1
        known = held[researcher.pk]
        for work in record.works:
            keys = {(e["type"], e["normalized"]) for e in work["external_ids"] if e["relationship"] == "self"}
            if (record.orcid, work["put_code"]) in own or keys & known:
                result.held += 1
                continue
            known |= keys  # another source's version of the same work is listed once
            result.works += 1
            yield _csv_row(institutional_id=researcher.username, orcid=record.orcid, work=work)
