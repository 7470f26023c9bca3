"""Writes for units and their API keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .membership import researcher_in_units
from .models import ApiKey, Unit

KEY_PREFIX_LENGTH = 8


def unit_create_or_update(*, code: str, name: str, requires_approval: bool | None = None) -> tuple[Unit, bool]:
    """Create the unit `code`, or update its name (and `requires_approval` when given) if it
    exists. Returns (unit, created)."""
    code = code.strip().lower()
    if not code:
        raise ValidationError("A unit needs a code.")
    wanted = {"name": name} if name else {}
    if requires_approval is not None:
        wanted["requires_approval"] = requires_approval
    unit, created = Unit.objects.get_or_create(code=code, defaults={"name": code, **wanted})
    changed = [field for field, value in wanted.items() if getattr(unit, field) != value]
    if changed:
        for field in changed:
            setattr(unit, field, wanted[field])
        unit.save(update_fields=[*changed, "updated_at"])
    return unit, created


def api_key_hash(secret: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is enough (as for GitHub's tokens);
    # a slow password hash would only slow every API call.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    key: str  # shown once, never stored


def api_key_create(*, unit: Unit, scopes: list[str], name: str = "", expires_at=None,
                   token_units=(), token_groups=()) -> IssuedKey:
    """Make a key for `unit` with `scopes`. The returned `key` is the only copy of the secret.

    `expires_at` ends the key; `token_units` / `token_groups` limit which researchers' tokens a
    `tokens:read` key may disclose (see `api_key_may_disclose_token`)."""
    valid = {choice.value for choice in ApiKey.Scope}
    unknown = sorted(set(scopes) - valid)
    if unknown:
        raise ValidationError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(sorted(valid))}.")
    prefix = secrets.token_hex(KEY_PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            unit=unit, name=name, prefix=prefix, key_hash=api_key_hash(secret), scopes=sorted(set(scopes)),
            expires_at=expires_at,
        )
        api_key.token_units.set(token_units)
        api_key.token_groups.set(token_groups)
    return IssuedKey(api_key=api_key, key=f"op_{prefix}_{secret}")


def api_key_authenticate(*, key: str) -> ApiKey | None:
    """The active key that `key` is, or None."""
    try:
        tag, prefix, secret = key.split("_", 2)
    except ValueError:
        return None
    if tag != "op":
        return None
    api_key = ApiKey.objects.select_related("unit").filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not secrets.compare_digest(api_key.key_hash, api_key_hash(secret)):
        return None
    if not api_key.is_active:  # expired
        return None
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
    return api_key


def api_key_revoke(*, api_key: ApiKey) -> None:
    """Revoke a key; it stops working at once."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])


def api_key_may_disclose_token(*, api_key: ApiKey, researcher) -> bool:
    """Whether `api_key` may disclose `researcher`'s ORCID token: it has `tokens:read`, is
    active, and, when limited, the researcher is in one of its groups or has items of one of its
    units (asked of the item kinds through `units.membership`)."""
    if not api_key.is_active or not api_key.has_scope(ApiKey.Scope.TOKENS_READ):
        return False
    unit_ids = set(api_key.token_units.values_list("pk", flat=True))
    group_ids = set(api_key.token_groups.values_list("pk", flat=True))
    if not unit_ids and not group_ids:
        return True
    if group_ids and researcher.groups.filter(pk__in=group_ids).exists():
        return True
    return bool(unit_ids) and researcher_in_units(researcher_id=researcher.pk, unit_ids=unit_ids)
