"""Fingerprints of the local data last written (issue 17, item 4): what lets a no-change run
skip serialising an item it wrote before.

A kind that can vouch for its body with its object's `updated_at` (every change to what it
serialises goes through `save()` or sets `updated_at`: the importer, the receivers) declares a
`fingerprint_version` (the serialiser's version and any setting the body depends on). Its
*source fingerprint* is that version with the object's `updated_at`; the ledger keeps, as
`OrcidItem.written_fingerprint`, a hash of the source fingerprint *and the content hash
written*. So the fingerprint vouches only for the very `content_hash` it was taken with: any
transition that changes the hash without it (a reconcile, the hash upgrade) unbinds it, and the
item is serialised and compared again (and its fingerprint refreshed when unchanged).

A new serialiser that may change the body: bump the kind's version; items are then serialised
once more (and PUT only if ORCID would show something else: the canonical hash).
"""

from __future__ import annotations

from hashlib import blake2b


def source_fingerprint(version: str | None, updated_at) -> str:
    """The source fingerprint of an object of a kind whose `fingerprint_version()` is
    `version` ("" when the kind has none, or the object no `updated_at`)."""
    if version is None or updated_at is None:
        return ""
    return f"{version}|{updated_at.timestamp():.6f}"


def kind_version(kind) -> str | None:
    """The kind's fingerprint version now (None: the kind has no fingerprints)."""
    return kind.fingerprint_version() if kind.fingerprint_version is not None else None


def written_fingerprint(source: str, content_hash: str) -> str:
    """What the ledger keeps: the source fingerprint bound to the content hash written."""
    if not source or not content_hash:
        return ""
    return blake2b(f"{source}|{content_hash}".encode(), digest_size=16).hexdigest()
