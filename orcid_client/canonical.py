"""The canonical ORCID-visible content of an item: what ORCID stores and shows, normalised, and its
hash (issue 17, item 3).

The sync writes an item again only when its content hash changes. Hashing the body as the
serialiser happens to write it made every formatting difference a PUT: a unit's re-export with
other whitespace, a DOI given as `https://doi.org/10.1/x` instead of `10.1/x`, a release whose
serialiser orders keys or wraps values differently. At a million works one such change costs
ORCID's whole rate limit for about twelve hours. So the hash is taken over a canonical form of
the v3.0 JSON body, the same for every kind (works, the seven affiliation sections, funding):

- what ORCID sets or does not display is left out: `put-code`, `path`, `source`, `visibility`,
  `created-date`, `last-modified-date`, `display-index`; empty values (`""`, `{}`, `[]`, None)
  are the same as absent ones;
- `{"value": x}` wrappers are unwrapped; every text is NFC with each run of whitespace one
  space and trimmed (ORCID's pages render text as HTML, where whitespace collapses);
- external ids are sorted, their type and relationship lower-case, their value normalised as
  ORCID normalises it (`orcid_client.identifiers.normalise_external_id`: a DOI's resolver
  prefix and case, an ISBN's hyphens...), and their URL dropped when it is that id's own
  resolver link (ORCID links the id either way);
- fuzzy dates are `YYYY[-MM[-DD]]`; a contributor's iD is its 16-digit path (the URI and host
  follow from it); codes ORCID shows upper-case (country, currency) are upper-cased, the
  vocabularies (types, roles, relationships, sequence) lower-cased; a disambiguated
  organisation's identifier is normalised (a ROR iD with or without `https://ror.org/`);
- keys are sorted and the JSON written without formatting, so the serialiser's key order or
  layout never shows.

What stays: everything ORCID displays (titles' words and case, contributors and their order,
the citation, the organisation, amounts as written). `content_hash(body, section=...)` is the
API; `legacy_hash(body)` is the hash the ledger held before (the body's JSON as serialised),
kept for the upgrade (putcodes migration 'canonical content hashes').
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

from orcid_client.identifiers import normalise_external_id
from orcid_client.text import clean_text

# What ORCID sets itself or never shows as the item's content.
_NOT_CONTENT = frozenset({
    "put-code", "path", "source", "visibility", "created-date", "last-modified-date", "display-index",
})
_DATES = frozenset({"publication-date", "start-date", "end-date"})
_UPPER = frozenset({"country", "currency-code", "disambiguation-source"})
_LOWER = frozenset({
    "type", "citation-type", "contributor-role", "contributor-sequence", "external-id-type",
    "external-id-relationship", "language-code",
})
_ROR = re.compile(r"^https?://(?:www\.)?ror\.org/", re.IGNORECASE)
_EMPTY = (None, "", [], {})


def canonical(body: Any) -> Any:
    """The canonical ORCID-visible content of a v3.0 JSON body (see the module)."""
    return _node(body, "")


def canonical_json(body: Any, *, section: str = "") -> str:
    """The canonical content as compact JSON, keys sorted; `section` (e.g. `education`) makes
    the same content in two sections differ (a move is a new item)."""
    content = {"section": section, "content": canonical(body)} if section else canonical(body)
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(body: Any, *, section: str = "") -> str:
    """SHA-256 (hex) of the canonical content: equal exactly when ORCID would show the same."""
    return hashlib.sha256(canonical_json(body, section=section).encode("utf-8")).hexdigest()


def canonical_json_hash(text: str) -> str:
    """The hash `content_hash` takes of `canonical_json`'s text, for serialisers that write that
    text themselves: `content_hash(body) == canonical_json_hash(canonical_json(body))`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def legacy_hash(body: Any, *, section: str = "") -> str:
    """The ledger's hash before canonical hashes: the body's JSON as serialised, keys sorted
    (affiliations had their section as a key beside the body's)."""
    data = {"section": section, **body} if section else body
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ).hexdigest()


def _node(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return _mapping(node, key)
    if isinstance(node, (list, tuple)):
        items = [_node(item, key) for item in node]
        return [item for item in items if item not in _EMPTY]
    if isinstance(node, bool) or node is None:
        return node
    text = clean_text(str(node))
    if key in _UPPER:
        return text.upper()
    if key in _LOWER:
        return text.lower()
    return text


def _mapping(node: dict, key: str) -> Any:
    if key in _DATES:
        return _date(node)
    if key == "external-ids":
        return _external_ids(node)
    if key == "contributor-orcid":
        return _orcid(node)
    if key == "disambiguated-organization":
        return _organisation(node)
    if set(node) == {"value"}:
        return _node(node["value"], key)
    result = {}
    for name, value in node.items():
        if name in _NOT_CONTENT:
            continue
        value = _node(value, name)
        if value not in _EMPTY:
            result[name] = value
    return result


def _part(node: Any) -> str:
    value = node.get("value") if isinstance(node, dict) else node
    return clean_text(str(value or ""))


def _date(node: dict) -> str:
    parts = []
    for name in ("year", "month", "day"):
        part = _part(node.get(name))
        if not part.isdigit():
            break
        parts.append(f"{int(part):04d}" if name == "year" else f"{int(part):02d}")
    return "-".join(parts)


def _external_ids(node: dict) -> list:
    ids = node.get("external-id") or [] if isinstance(node, dict) else node
    return canonical_external_ids(
        (_part(item.get("external-id-type")), _part(item.get("external-id-value")),
         _part(item.get("external-id-url")), _part(item.get("external-id-relationship")))
        for item in (ids if isinstance(ids, list) else [])
    )


def canonical_external_ids(ids: Iterable[tuple[str, str, str, str]]) -> list[dict]:
    """The canonical form of a list of external ids, each given as its `(type, value, url,
    relationship)` texts, already cleaned (`clean_text`; an absent part is `""`): what
    `canonical` makes of a body's `external-ids`. For serialisers that hash what they write
    without building the JSON first (works.orcid_serialization.payload_content_hash)."""
    result = []
    for id_type, value, url, relationship in ids:
        id_type = id_type.lower()
        value = normalise_external_id(id_type, value)
        if url and normalise_external_id(id_type, url) == value:
            url = ""  # the id's own resolver link: ORCID links the id either way
        relationship = relationship.lower()
        item = {k: v for k, v in (("type", id_type), ("value", value), ("url", url),
                                  ("relationship", relationship)) if v}
        if item:
            result.append(item)
    if len(result) < 2:
        return result
    # The order of the stored hashes: changing this key would change every ledger hash (a PUT of
    # every item the next run).
    return sorted(result, key=lambda r: json.dumps(r, sort_keys=True))


def _orcid(node: dict) -> str:
    path = _part(node.get("path")) or _part(node.get("uri")).rstrip("/").rsplit("/", 1)[-1]
    return path.upper()


def _organisation(node: dict) -> dict:
    source = _part(node.get("disambiguation-source")).upper()
    identifier = _part(node.get("disambiguated-organization-identifier"))
    if source == "ROR":
        identifier = _ROR.sub("", identifier).lower()
    return {"source": source, "identifier": identifier}
