"""Loads the demo: units, demo logins, and works, employments, other affiliations (the registrar's)
and funding (the research office's) through the real importers.

Idempotent: running it again updates what is there (the importers upsert) and keeps the
researchers' choices.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, call_command
from django.db import transaction

from units.models import Unit
from units.services import unit_create_or_update

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

# (institutional ID, password, first name, last name, is_staff, is_superuser, units they staff)
DEMO_USERS = [
    ("ada", "ada-demo", "Ada", "Lovelace", False, False, []),
    ("grace", "grace-demo", "Grace", "Hopper", False, False, []),
    ("katherine", "katherine-demo", "Katherine", "Johnson", False, False, []),
    ("admin", "admin-demo", "Portal", "Administrator", True, True, []),
    ("librarian", "librarian-demo", "Library", "Staff", True, False, ["library"]),
    ("hrstaff", "hrstaff-demo", "HR", "Staff", True, False, ["hr"]),
]


class Command(BaseCommand):
    help = "Create the demo units, logins, works, employments, affiliations and funding (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            unit_create_or_update(code="library", name="University Library")
            unit_create_or_update(code="hr", name="Human Resources")
            unit_create_or_update(code="registrar", name="Registrar's Office")
            unit_create_or_update(code="research-office", name="Research Office")
            User = get_user_model()
            for username, password, first, last, is_staff, is_superuser, unit_codes in DEMO_USERS:
                user, _ = User.objects.get_or_create(username=username)
                user.first_name, user.last_name = first, last
                user.email = user.email or f"{username}@example.edu"
                user.is_staff, user.is_superuser = is_staff, is_superuser
                # Demo passwords are short on purpose; the validators are for real accounts.
                user.set_password(password)
                user.save()
                for code in unit_codes:
                    Unit.objects.get(code=code).staff.add(user)
                if unit_codes:
                    _grant_unit_staff_permissions(user)
        call_command("import_works", str(DATA_DIR / "works.csv"), unit="library", stdout=self.stdout)
        call_command("import_employments", str(DATA_DIR / "employments.csv"), unit="hr", stdout=self.stdout)
        call_command("import_affiliations", str(DATA_DIR / "affiliations.csv"), unit="registrar", stdout=self.stdout)
        call_command("import_funding", str(DATA_DIR / "funding.csv"), unit="research-office", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))


def _grant_unit_staff_permissions(user) -> None:
    """Unit staff may view and change their unit's items in the admin (scoped by unit there)."""
    from django.contrib.auth.models import Permission

    wanted = Permission.objects.filter(
        content_type__app_label__in=["works", "employments", "affiliations", "funding", "putcodes"],
        codename__regex=r"^(view|change)_",
    )
    user.user_permissions.add(*wanted)
