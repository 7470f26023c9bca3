"""A kind of imported item, declared once: its columns, its parsers and how it is upserted.

Kinds register themselves when their app's `importers` module is imported
(`kind_register`); `kind_get(name)` imports every installed app's `importers` module first, so
a background job finds any kind by name without `units` importing the apps above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .report import RowOutcome, report_line

# What `Ending.end` answers for an item that cannot be ended, because it has not begun by
# the import's date: it is removed instead (the sync deletes it from ORCID).
REMOVE = "remove"

MESSAGES = {
    "repeat": "local_id '{local_id}' is also on {where}",
    "moved": "local_id '{local_id}' belongs to another researcher in this unit; an item cannot move to another "
             "person (give it a new local_id)",
}


@dataclass
class ParsedRow:
    """A row a kind's parser made: its identity in the unit (`local_id`), its researcher
    (`institutional_id`, or `email` when the file has no institutional ID) and the values of
    the kind's imported fields. A parser may return any object with these attributes (and
    the kind's `values` reads the values out of it)."""

    local_id: str
    values: dict[str, Any]
    institutional_id: str = ""
    email: str = ""


@dataclass(frozen=True)
class Ending:
    """How an item with an end date leaves a snapshot: it is ended, not deleted (ORCID keeps
    the person's history). `end(values, today)` gets the item's `fields` and answers the
    values that end it on `today`, None when it has already ended by then (nothing to do), or
    REMOVE when it has not begun yet."""

    fields: tuple[str, ...]
    end: Callable[[dict, dt.date], dict | str | None]


@dataclass(frozen=True)
class ImportKind:
    """Everything the framework needs to import one kind of item (see the package docstring).

    - `name`: the registry's key and the job's label ("works"); `label`: plural for people.
    - `model`: with fields `unit`, `researcher`, `local_id`, `removed_at`, `updated_at` and
      a unique (unit, local_id).
    - `columns` / `required_columns`: the CSV header (CONTRACT §3) and what must be there.
    - `parse_row(cells: dict) -> ParsedRow` for CSV, `parse_item(item) -> ParsedRow` for JSON
      (None: CSV only). Both raise `RowInvalid(reason)`.
    - `fields`: the imported fields an upsert writes (never the researcher's choices);
      `compare_fields`: what tells an unchanged row (default: `fields`; works compare a hash);
      `values(row) -> dict` reads them out of a parsed row (default: `row.values`).
    - `prepare(instance)` recomputes `prepared_fields` before bulk writes (they skip save()).
    - `snapshot_default`: whether a file is the unit's full list unless told otherwise;
      `ending`: how a snapshot ends an item it no longer lists (None: it is removed).
    - `restored_outcome`: how a row that brings back a removed item is reported.
    - `summary_fields`, `messages`, `report_line`: the report's wording.
    - `on_created(items)`: told of the items each batch created (works' standing preferences).
    - `creates_researchers`: whether a row naming an unknown institutional ID creates that user
      (works, employments, funding: the units' systems know the campus's people first); when
      False the row is rejected (the Affiliations CSV, CONTRACT §3: "an unknown person is a
      rejected row", as Affiliation Manager rejects it).
    """

    name: str
    label: str
    model: type
    columns: tuple[str, ...]
    required_columns: tuple[str, ...]
    parse_row: Callable[[dict], Any]
    fields: tuple[str, ...]
    parse_item: Callable[[Any], Any] | None = None
    compare_fields: tuple[str, ...] = ()
    values: Callable[[Any], dict] = lambda row: row.values  # noqa: E731
    prepare: Callable[[Any], None] | None = None
    prepared_fields: tuple[str, ...] = ()
    snapshot_default: bool = False
    ending: Ending | None = None
    restored_outcome: str = "restored"
    summary_fields: tuple[str, ...] = ("created", "updated", "unchanged", "rejected")
    messages: dict = field(default_factory=dict)
    report_line: Callable[[RowOutcome], str] = report_line
    json_label: str = "JSON"
    batch_size: int = 1000
    # Called with the items a batch created (saved, with pks), in the batch's transaction:
    # works apply the researchers' standing preferences here (issue 14).
    on_created: Callable[[list], None] | None = None
    creates_researchers: bool = True

    def message(self, key: str, **values) -> str:
        return self.messages.get(key, MESSAGES[key]).format(**values)

    @property
    def formats(self) -> tuple[str, ...]:
        return ("csv", "json") if self.parse_item is not None else ("csv",)

    @property
    def compared(self) -> tuple[str, ...]:
        return self.compare_fields or self.fields


_KINDS: dict[str, ImportKind] = {}


def kind_register(kind: ImportKind) -> ImportKind:
    """Make `kind` known by its name (called by the kind's own `importers` module)."""
    _KINDS[kind.name] = kind
    return kind


def kind_get(name: str) -> ImportKind:
    """The kind registered under `name`; LookupError when no installed app declares it."""
    if name not in _KINDS:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("importers")
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no import kind '{name}'") from None
