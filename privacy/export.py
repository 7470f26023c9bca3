"""`researcher_export`: everything the portal holds about a person, as JSON-ready data
(CONTRACT §3 export_researcher; the dashboard's "download my data").

Found generically, so that apps added later (affiliations, funding, invitations) are
included without a change here: every model with a foreign key to the user, every model with
an `institutional_id`, `username` or `email` field naming them, and the connection's history. Secrets are
never exported: fields named like a token, secret, nonce, password or hash are left out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

SECRET_WORDS = ("token", "secret", "nonce", "password", "hash", "encrypted")
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "date_joined", "last_login", "is_active")
# Friendly names for the tables CONTRACT §3 lists; others appear under their app label.
NAMES = {
    "works.work": "works",
    "employments.employment": "employments",
    "putcodes.orciditem": "ledger",
    "notifications.notification": "emails_sent",
    "invitations.invitation": "invitations",
    "units.apiauditevent": "audit_events",
    "connections.connectionevent": "connection_history",
    "accounts.consentevent": "choices",
}
SKIPPED = {"connections.orcidconnection", "privacy.erasureevent", "admin.logentry"}


def _is_secret(field) -> bool:
    return any(word in field.name.lower() for word in SECRET_WORDS)


def _value(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (int, float, bool, str, list, dict)) or value is None:
        return value
    return str(value)


def model_row(obj) -> dict:
    """The object's own columns (foreign keys as ids), secrets left out."""
    return {f.attname: _value(f.value_from_object(obj)) for f in obj._meta.concrete_fields if not _is_secret(f)}


def researcher_lookups(researcher, *, for_erasure: bool = False) -> list[tuple[type[models.Model], models.Q]]:
    """(model, filter) for every table that may hold rows about `researcher`. For erasure, a
    nullable SET_NULL key (an actor, a run's subject) is left to the user's deletion to clear:
    such a row is about something else (another person's history, a run)."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        if model is user_model or model._meta.label_lower in SKIPPED:
            continue
        q = models.Q()
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is user_model:
                if researcher.pk is None:  # a stand-in: no row points at it
                    continue
                if for_erasure and field.remote_field.on_delete is models.SET_NULL:
                    continue
                q |= models.Q(**{field.name: researcher})
            elif field.name in ("institutional_id", "username") and isinstance(field, models.CharField):
                # Rows naming them without a key: invitations, audit events, sign-in failures.
                q |= models.Q(**{f"{field.name}__iexact": researcher.get_username()})
            elif field.name == "email" and researcher.email and model._meta.app_label != "account":
                q |= models.Q(email__iexact=researcher.email)
        if q:
            found.append((model, q))
    return found


def _connection(researcher) -> tuple[dict | None, list]:
    from connections.models import ConnectionEvent, OrcidConnection

    if researcher.pk is None:
        return None, []

    connection = OrcidConnection.objects.filter(user=researcher).first()
    if connection is None:
        return None, []
    events = [model_row(e) for e in ConnectionEvent.objects.filter(connection=connection).order_by("at", "id")]
    return model_row(connection), events


def researcher_export(*, researcher) -> dict:
    """Everything held about `researcher` (see the module), never a token."""
    connection, history = _connection(researcher)
    held: dict[str, list] = defaultdict(list)
    for model, q in researcher_lookups(researcher):
        name = NAMES.get(model._meta.label_lower, model._meta.label_lower)
        held[name].extend(model_row(obj) for obj in model.objects.filter(q).order_by("pk"))
    held["connection_history"] = history
    return {
        "exported_at": timezone.now().isoformat(),
        "institutional_id": researcher.get_username(),
        "account": ({name: _value(getattr(researcher, name, None)) for name in ACCOUNT_FIELDS}
                    if researcher.pk is not None else None),  # known only from rows naming them
        "connection": connection,
        **{name: rows for name, rows in sorted(held.items())},
    }
