"""Which units a researcher belongs to, asked of the item kinds.

A researcher belongs to a unit when the unit holds an item for them (a work from the library,
an employment from HR, ...). `units` sits below the item kinds and must not import them, so
each kind registers a membership test here from its AppConfig.ready() (the registry pattern of
docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import Callable, Iterable

# Each takes (researcher_id, unit_ids) and answers whether that kind holds an item of the
# researcher in one of those units.
_PROVIDERS: list[Callable[[int, set[int]], bool]] = []


def membership_register(provider: Callable[[int, set[int]], bool]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def model_membership(model) -> Callable[[int, set[int]], bool]:
    """The membership test of a model with `researcher` and `unit` foreign keys."""

    def provider(researcher_id: int, unit_ids: set[int]) -> bool:
        return model.objects.filter(researcher_id=researcher_id, unit_id__in=unit_ids).exists()

    provider.__qualname__ = f"membership of {model.__name__}"
    return provider


def researcher_in_units(*, researcher_id: int, unit_ids: Iterable[int]) -> bool:
    ids = set(unit_ids)
    return bool(ids) and any(provider(researcher_id, ids) for provider in _PROVIDERS)
