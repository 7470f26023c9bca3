"""The kinds of item the sync writes, each described once, in its own module.

The sync engine (putcodes.sync) knows nothing about works, employments or any other kind: it
asks the kind how to list a researcher's items, whether one may be written, its body and
content hash, which client calls write it, and how to recognise it among the items ORCID
lists (to reconcile a lost answer or a 409).

Adding a kind
-------------
A new kind is one new module in this package, e.g. `putcodes/kinds/funding.py`, that builds an
`ItemKind` and calls `register(...)` at import time::

    from . import ItemKind, register

    FUNDING = register(ItemKind(kind=OrcidItem.Kind.FUNDING, fk="funding", ...))

Every module of this package is imported when the package is (see the bottom of this file), so
no other file is edited. The kind's value must be one of `OrcidItem.Kind`; the ledger's
foreign key named by `fk` is added to `OrcidItem` by a putcodes migration of the kind's app.
`order` decides the order of writing (lower first; works are 10, employments 20).

Inside a kind's module, import the kind's app (`works.models`, ...) inside the functions:
this package is imported while Django loads its apps.

The API: `KINDS` (the registry: kind value -> ItemKind, in writing order), `register(kind)`,
`kind_get(value)`, `kinds_all()`.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Sequence

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class ItemKind:
    """How the sync handles one kind of item.

    - `kind`: the `OrcidItem.Kind` value; `fk`: the ledger's foreign key to the local object.
    - `objects(researcher_ids, units)`: every local object of these researchers (eligible or
      not, removed ones included); `units` None means all units. The engine attaches each
      object's `unit` from one cached read of the units.
    - `eligible(obj)`: whether it may be on ORCID now (the unit being paused is not a reason).
    - `approved_at(obj)`: when the researcher last said yes (None: never explicitly), to
      write again an item the researcher deleted on ORCID only after a newer approval.
    - `body(obj)` and `content_hash(obj)`: what is written, and its hash.
    - `read(client, orcid, token)`, `create`, `update`, `delete`: the client's calls;
      `create_bulk` when ORCID has a bulk endpoint for the kind (works: ≤ 100 per call).
    - `match_key(obj)`: what identifies the object on ORCID as written (JSON: a work's
      normalised `self` ids, an affiliation's identifying fields), kept in the ledger before
      each write (`OrcidItem.sent_match`); `match_sent(key, summaries, client_id)`: the
      put-code of the summary (from our client) that this key identifies, or None. A write
      whose outcome is unknown is looked for by the key it was sent with, never by the
      object's current data; a 409 by the current object's key. The defaults identify nothing
      (a kind without them is never adopted: a lost answer is sent again).
    - `eligible_q()`: the queryset twin of `eligible` (a `Q` on the kind's model), when the
      kind has one; `order`: the order of writing (lower first).
    - `fingerprint_version()`: the version of the body's serialiser (with any setting the body
      depends on), when the body depends only on the object's own fields and every change to
      them sets its `updated_at`: a run then skips serialising an item whose data is as last
      written (putcodes.sync.fingerprint). None: always serialised.
    - `body_hash(obj)`: `(body(obj), content_hash(obj))` from one serialisation, when the kind
      can: the planner keeps the body it hashed for the write.
    """

    kind: str
    fk: str
    objects: Callable[[Any, Sequence[Any] | None], QuerySet]
    eligible: Callable[[Any], bool]
    approved_at: Callable[[Any], datetime | None]
    body: Callable[[Any], Any]
    content_hash: Callable[[Any], str]
    read: Callable[..., list]
    create: Callable[..., int]
    update: Callable[..., None]
    delete: Callable[..., None]
    match_key: Callable[[Any], Any] = lambda obj: None
    match_sent: Callable[[Any, Iterable[Any], str], int | None] = lambda key, summaries, client_id: None
    create_bulk: Callable[..., list] | None = None
    bulk_limit: int = 100
    eligible_q: Callable[[], Q] | None = None
    order: int = 100
    fingerprint_version: Callable[[], str] | None = None
    body_hash: Callable[[Any], tuple[Any, str]] | None = None


# The registry, in writing order (works first: they are what researchers watch for).
KINDS: dict[str, ItemKind] = {}


def register(kind: ItemKind) -> ItemKind:
    """Add `kind` to the registry (again: replace it) and return it."""
    entries = [k for k in KINDS.values() if k.kind != kind.kind] + [kind]
    KINDS.clear()
    KINDS.update((k.kind, k) for k in sorted(entries, key=lambda k: k.order))
    return kind


def kind_get(kind: str) -> ItemKind:
    """The registered kind of this `OrcidItem.Kind` value (KeyError when none)."""
    return KINDS[kind]


def kinds_all() -> list[ItemKind]:
    """Every registered kind, in writing order."""
    return list(KINDS.values())


def _discover() -> None:
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{__name__}.{module}")


_discover()

# The two first kinds, by name, for callers and tests that want one of them.
from .employments import EMPLOYMENT  # noqa: E402
from .works import WORK  # noqa: E402

__all__ = ["EMPLOYMENT", "KINDS", "WORK", "ItemKind", "kind_get", "kinds_all", "register"]
