"""Reading the works on researchers' ORCID records for the units (CONTRACT §4 orcid-works,
§3 harvest_orcid_works): every source, through the portal's one client and its rate limit.

A record's works are cached for ORCID_WORKS_CACHE_SECONDS per iD, so a campus system that
pages through the answer, or asks twice, does not cost ORCID a read each time."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

ORCID_WORKS_CACHE_SECONDS = 60


class NoOrcidAccess(Exception):
    """The researcher has no connection the portal can read their record with."""


@dataclass(frozen=True)
class OrcidWorks:
    orcid: str
    works: list[dict]


def _work_data(summary) -> dict:
    return {
        "put_code": summary.put_code,
        "title": summary.title,
        "type": summary.type,
        "publication_date": summary.publication_date,
        "journal_title": summary.journal_title,
        "visibility": summary.visibility,
        "path": summary.path,
        "source": {
            "client_id": summary.source_client_id,
            "orcid": summary.source_orcid,
            "name": summary.source_name,
            "is_portal": summary.is_from_client(settings.ORCID_CLIENT_ID),
        },
        "external_ids": [
            {"type": e.type, "value": e.value, "normalized": e.normalized, "relationship": e.relationship,
             "url": e.url}
            for e in summary.external_ids
        ],
    }


def _cache_key(orcid: str) -> str:
    return f"reports:orcid-works:{orcid}"


def orcid_works_read(*, researcher, client=None, use_cache: bool = True) -> OrcidWorks:
    """The works on `researcher`'s record as ORCID lists them now (all sources), as plain dicts.

    Raises NoOrcidAccess without an active connection, `orcid_client.errors.TokenRevoked`
    (after marking the connection revoked) when ORCID refuses the token, and other
    `OrcidError`s when ORCID cannot answer."""
    from connections.selectors import connection_for_user
    from connections.services import connection_access_token, connection_mark_revoked
    from orcid_client.client import default_client
    from orcid_client.errors import TokenRevoked

    connection = connection_for_user(user=researcher)
    if connection is None or connection.status != "active" or not connection.orcid:
        raise NoOrcidAccess("The researcher has no active ORCID connection.")
    if use_cache:
        cached = cache.get(_cache_key(connection.orcid))
        if cached is not None:
            return OrcidWorks(orcid=connection.orcid, works=cached)
    client = client or default_client()
    try:
        token = connection_access_token(connection=connection)
        summaries = client.works_read(orcid=connection.orcid, access_token=token)
    except TokenRevoked as error:
        connection_mark_revoked(connection=connection, reason=f"ORCID refused the token reading works: {error}")
        raise
    works = [_work_data(summary) for summary in summaries]
    cache.set(_cache_key(connection.orcid), works, ORCID_WORKS_CACHE_SECONDS)
    return OrcidWorks(orcid=connection.orcid, works=works)
