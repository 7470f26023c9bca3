"""Moving the ledger to canonical content hashes without a mass re-PUT (issue 17, item 3).

Before, `OrcidItem.content_hash` hashed the body as serialised (`orcid_client.canonical.
legacy_hash`); now it hashes the canonical ORCID-visible content (`content_hash`). Left alone,
every row's stored hash would differ from its object's new one and the next sync would PUT
every item on ORCID again (a million works: ~12 hours of ORCID's whole rate limit).

The choice, made once by the migration 'canonical content hashes': a row whose stored hash is
the LEGACY hash of its object as it is now is known to hold on ORCID exactly what the object
serialises to today, so its hash is replaced by the object's canonical hash (no call). A row
whose stored hash is something else holds an older version of the object (a change not yet
written, or written by an older serialiser): it keeps its hash, so the sync updates it, as it
would have. No guess is made, unlike recomputing every `on_orcid` row's hash (which would
silently drop pending changes), and no hash version has to be kept on every row for ever.
`attempted_hash` (what a write of unknown outcome or an ORCID refusal was about) is moved the
same way. Costs two serialisations per row, once.
"""

from __future__ import annotations

from orcid_client.canonical import content_hash, legacy_hash

from .kinds import KINDS


def _hashes(kind, obj) -> tuple[str, str]:
    body = kind.body(obj)
    section = kind.kind if kind.fk == "affiliation" else ""
    return legacy_hash(body, section=section), content_hash(body, section=section)


def _upgrade_batch(kind, model, rows: list) -> list:
    objects = model.objects.filter(pk__in=[getattr(row, f"{kind.fk}_id") for row in rows]).select_related("unit")
    by_pk = {obj.pk: obj for obj in objects}
    changed = []
    for row in rows:
        obj = by_pk.get(getattr(row, f"{kind.fk}_id"))
        if obj is None:
            continue
        old, new = _hashes(kind, obj)
        moved = False
        for name in ("content_hash", "attempted_hash"):
            if getattr(row, name) == old:
                setattr(row, name, new)
                moved = True
        if moved:
            changed.append(row)
    return changed


def ledger_hashes_upgrade(*, batch: int = 1000) -> int:
    """Replace each ledger hash that is its object's legacy hash by the canonical one (see the
    module). Returns how many rows changed. Idempotent: a canonical hash is never a legacy one."""
    from .models import OrcidItem

    changed = 0
    for kind in KINDS.values():
        model = OrcidItem._meta.get_field(kind.fk).related_model
        rows = (
            OrcidItem.objects.filter(kind=kind.kind, **{f"{kind.fk}__isnull": False})
            .exclude(content_hash="", attempted_hash="")
            .only("pk", "content_hash", "attempted_hash", f"{kind.fk}_id")
            .order_by("pk")
        )
        pending: list = []
        for row in rows.iterator(chunk_size=batch):
            pending.append(row)
            if len(pending) >= batch:
                changed += _save(_upgrade_batch(kind, model, pending))
                pending = []
        changed += _save(_upgrade_batch(kind, model, pending))
    return changed


def _save(rows: list) -> int:
    from .models import OrcidItem

    if rows:
        OrcidItem.objects.bulk_update(rows, ["content_hash", "attempted_hash"], batch_size=500)
    return len(rows)
