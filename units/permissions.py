"""Units own their items: a unit's staff see and act only on that unit's works, employments
and PUT codes, in the admin and through the unit's API keys. Superusers see everything.

- `UnitScopedAdminMixin`: put it first in the bases of a ModelAdmin whose model reaches a
  Unit through `unit_path` (the `unit` field by default).
- `unit_scoped(queryset, api_key=...)`: what a unit's API key may reach.
- The unit admin's actions: pause / resume, and withdraw every item of the unit from ORCID.

Django's model permissions still apply on top (a staff member needs e.g. `works.change_work`);
this only narrows them to the member's own units (Unit.staff).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Unit

if TYPE_CHECKING:  # pragma: no cover
    from .models import ApiKey


def user_unit_ids(user) -> set[int] | None:
    """The ids of the units `user` may act for, or None for every unit (superusers)."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return set()
    if user.is_superuser:
        return None
    cached = getattr(user, "_unit_ids_cache", None)
    if cached is None:
        cached = set(Unit.objects.filter(staff=user).values_list("pk", flat=True))
        user._unit_ids_cache = cached
    return cached


def unit_scoped(queryset: QuerySet, *, user=None, api_key: ApiKey | None = None, unit_path: str = "unit") -> QuerySet:
    """`queryset` narrowed to what `api_key` (its unit) or `user` (their units) may reach."""
    if api_key is not None:
        return queryset.filter(**{unit_path: api_key.unit_id})
    ids = user_unit_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{unit_path}__in": ids})


def _unit_id_of(obj, unit_path: str) -> int | None:
    target = obj
    parts = unit_path.split("__")
    for part in parts[:-1]:
        target = getattr(target, part, None)
        if target is None:
            return None
    return getattr(target, f"{parts[-1]}_id", None)


def may_act_on(user, obj, *, unit_path: str = "unit") -> bool:
    """Whether `user` may see and act on `obj` (an item of some unit)."""
    ids = user_unit_ids(user)
    return ids is None or _unit_id_of(obj, unit_path) in ids


class UnitScopedAdminMixin:
    """Limits a ModelAdmin to the objects of the signed-in staff member's units.

    The list, search, change and delete views only ever see the member's units' rows
    (another unit's object is a 404, as if it did not exist), and a unit chosen in a form
    can only be one of theirs.
    """

    unit_path = "unit"

    def get_queryset(self, request):
        return unit_scoped(super().get_queryset(request), user=request.user, unit_path=self.unit_path)

    def _may(self, request, obj) -> bool:
        return obj is None or may_act_on(request.user, obj, unit_path=self.unit_path)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Unit and "__" not in self.unit_path:
            ids = user_unit_ids(request.user)
            if ids is not None:
                kwargs["queryset"] = Unit.objects.filter(pk__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not may_act_on(request.user, obj, unit_path=self.unit_path):
            raise PermissionDenied("You are not staff of this item's unit.")
        super().save_model(request, obj, form, change)


class UnitStaffAdminMixin:
    """For the Unit admin itself: staff see only their own units."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        ids = user_unit_ids(request.user)
        return qs if ids is None else qs.filter(pk__in=ids)


# ---------------------------------------------------------------------------------------------
# Unit-wide operations. They live beside the permissions because each one is "a unit's staff
# acting on all of the unit's items"; the admin actions below are their only callers.
# ---------------------------------------------------------------------------------------------

def unit_pause(*, unit: Unit, paused: bool) -> bool:
    """Pause (or resume) writing `unit`'s items to ORCID. A paused unit's items are neither
    created, updated nor deleted by the sync until it resumes. Returns whether it changed."""
    if unit.paused == paused:
        return False
    unit.paused = paused
    unit.save(update_fields=["paused", "updated_at"])
    return True


def unit_items_withdraw(*, unit: Unit) -> dict[str, int]:
    """Withdraw all of `unit`'s items from ORCID: every work and employment of the unit is
    marked removed, so none is eligible any more and the next sync deletes each one that is
    on ORCID through the ledger (the ledger row becomes `withdrawn`). Nothing is deleted from
    ORCID here. A later import that lists an item again brings it back.
    Returns the number of items marked per kind ({"works": …, "employments": …}). The kinds'
    apps (a layer above units) do the marking, answering `unit_items_withdraw_requested`.
    """
    from .signals import unit_items_withdraw_requested

    now = timezone.now()
    counts: dict[str, int] = {}
    with transaction.atomic():
        for _, answer in unit_items_withdraw_requested.send(sender=Unit, unit=unit, now=now):
            counts.update(answer or {})
    return counts


def _check_units(modeladmin, request, queryset) -> list[Unit]:
    units = list(queryset)
    ids = user_unit_ids(request.user)
    if ids is not None and any(unit.pk not in ids for unit in units):
        raise PermissionDenied("You are not staff of every selected unit.")
    return units


@admin.action(description="Pause writing to ORCID for the selected units", permissions=["change"])
def pause_units(modeladmin, request, queryset):
    changed = sum(unit_pause(unit=unit, paused=True) for unit in _check_units(modeladmin, request, queryset))
    modeladmin.message_user(request, f"Paused {changed} unit(s): nothing of theirs is written to ORCID until resumed.")


@admin.action(description="Resume writing to ORCID for the selected units", permissions=["change"])
def resume_units(modeladmin, request, queryset):
    changed = sum(unit_pause(unit=unit, paused=False) for unit in _check_units(modeladmin, request, queryset))
    modeladmin.message_user(request, f"Resumed {changed} unit(s).")


@admin.action(description="Withdraw all items of the selected units from ORCID", permissions=["change"])
def withdraw_unit_items(modeladmin, request, queryset):
    for unit in _check_units(modeladmin, request, queryset):
        counts = unit_items_withdraw(unit=unit)
        note = " Resume the unit: a paused unit's deletions wait too." if unit.paused else ""
        modeladmin.message_user(
            request,
            f"{unit.code}: {counts.get('works', 0)} work(s) and {counts.get('employments', 0)} employment(s) marked for "
            f"withdrawal; the next sync deletes them from ORCID.{note}",
            level=messages.WARNING if unit.paused else messages.SUCCESS,
        )


UNIT_ADMIN_ACTIONS = [pause_units, resume_units, withdraw_unit_items]
