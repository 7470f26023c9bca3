"""`manage.py erase_researcher INSTITUTIONAL_ID [--withdraw-items] [--yes]` (CONTRACT §3)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orcid_client.errors import OrcidError
from privacy.erasure import researcher_erase
from privacy.selectors import researcher_by_institutional_id


class Command(BaseCommand):
    help = (
        "Erases a person: with --withdraw-items first deletes the institution's items from their ORCID record; "
        "revokes the token at ORCID; deletes tokens, works, choices and personal data; keeps an audit event "
        "that names no personal data. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("institutional_id")
        parser.add_argument("--withdraw-items", action="store_true",
                            help="Delete the institution's items from the person's ORCID record first.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, institutional_id, withdraw_items=False, yes=False, **options):
        researcher = researcher_by_institutional_id(institutional_id=institutional_id)
        if researcher is None:
            raise CommandError(f"No person with institutional ID {institutional_id!r}.")
        if not yes:
            answer = input(
                f"Erase everything the portal holds about {researcher.get_username()}"
                f"{' and withdraw their items from ORCID' if withdraw_items else ''}? This cannot be undone. "
                "Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Not erased.")
        try:
            event = researcher_erase(researcher=researcher, withdraw_items=withdraw_items)
        except OrcidError as error:
            raise CommandError(f"ORCID could not be reached ({type(error).__name__}); nothing was erased. "
                               "Run the command again later.")
        withdrawn = "not asked" if event.items_withdrawn is None else str(event.items_withdrawn)
        self.stdout.write(
            f"Erased. Reference {event.reference}: items withdrawn from ORCID: {withdrawn}"
            f"{' (ORCID refused: the person must delete them on ORCID)' if event.items_left_on_orcid else ''}; "
            f"token revoked at ORCID: {'yes' if event.token_revoked else 'no token held'}; "
            f"rows deleted: {sum(event.rows_deleted.values())}."
        )
