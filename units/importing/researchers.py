"""Who a row is about: the researcher named by institutional ID (created on first sight, as
the unit knows people before they ever sign in) or, for files that only carry an email
(ORCID's Affiliation Manager CSV), the one user with that email."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models.functions import Lower

from .reader import RowInvalid

CACHE_MAX = 200_000  # ids kept between batches; cleared past it, so memory stays bounded


class Researchers:
    """User ids for rows, looked up a batch at a time (`prefetch`), then `id_for(row)`.

    A row names its researcher by `institutional_id` (the username) or, when that is empty, by
    `email` (any case). Unknown institutional IDs are created as users without a usable
    password (they sign in later through the institutional login) unless `create=False`; an
    unknown or ambiguous email is a rejected row, never a new user."""

    def __init__(self, *, create: bool = True) -> None:
        self.model = get_user_model()
        self.create = create
        self.by_iid: dict[str, int] = {}
        self.by_email: dict[str, int | None] = {}  # None: several users have it
        self.created = 0

    def prefetch(self, rows: Iterable) -> None:
        if len(self.by_iid) + len(self.by_email) > CACHE_MAX:
            self.by_iid.clear()
            self.by_email.clear()
        iids, emails = set(), set()
        for row in rows:
            iid = getattr(row, "institutional_id", "") or ""
            if iid:
                iids.add(iid)
            elif getattr(row, "email", ""):
                emails.add(row.email.strip().lower())
        self._prefetch_iids(iids - self.by_iid.keys())
        self._prefetch_emails(emails - self.by_email.keys())

    def _prefetch_iids(self, wanted: set[str]) -> None:
        if not wanted:
            return
        self.by_iid.update(self.model.objects.filter(username__in=wanted).values_list("username", "pk"))
        missing = sorted(wanted - self.by_iid.keys())
        if missing and self.create:
            unusable = make_password(None)
            self.model.objects.bulk_create([self.model(username=name, password=unusable) for name in missing],
                                           ignore_conflicts=True)
            self.by_iid.update(self.model.objects.filter(username__in=missing).values_list("username", "pk"))
            self.created += len(missing)

    def _prefetch_emails(self, wanted: set[str]) -> None:
        if not wanted:
            return
        found = (self.model.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=wanted)
                 .values_list("email_lower", "pk"))
        for email, pk in found:
            self.by_email[email] = pk if email not in self.by_email else None
        for email in wanted - self.by_email.keys():
            self.by_email[email] = 0  # nobody

    def id_for(self, row) -> int:
        """The researcher's user id for a parsed row; RowInvalid when there is none."""
        iid = getattr(row, "institutional_id", "") or ""
        if iid:
            if iid not in self.by_iid:
                self.prefetch([row])
            if iid not in self.by_iid:
                raise RowInvalid(f"institutional_id '{iid[:60]}' is no user of the portal")
            return self.by_iid[iid]
        email = (getattr(row, "email", "") or "").strip().lower()
        if not email:
            raise RowInvalid("the row names no researcher (institutional_id or email)")
        if email not in self.by_email:
            self.prefetch([row])
        found = self.by_email.get(email)
        if found is None:
            raise RowInvalid(f"several users have the email {email[:80]}: give their institutional_id")
        if not found:
            raise RowInvalid(f"no user has the email {email[:80]}: give their institutional_id")
        return found
