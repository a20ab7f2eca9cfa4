"""`python manage.py seed_demo [--json] [--reset]`: a demo union and meeting to try the system.

The work is in demo.seed and demo.reset; this parses, guards against
production, turns every refusal into one line and an exit status, and prints.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from demo.seed import DemoResult, seed_demo


class Command(BaseCommand):
    help = _(
        "Create a demo union, a chair, a clerk, 30 members, a live meeting with a draft "
        "poll of each kind, an agenda pack and two polls already voted and closed (on the "
        "bulletin board), and print the accounts. Running it again reuses the demo "
        "meeting while it is ready to use: not closed, its four draft polls neither "
        "cancelled nor deleted (opened or voted is fine), its agenda pack there, and every "
        "demo account on its roster with the role printed. Otherwise it creates a fresh "
        "demo meeting beside the old one, which it keeps, and says so. Demo accounts that "
        "were deleted, deactivated or lost their password are restored. --reset first "
        "deletes the demo union (code 'demo') with everything under it and the demo "
        "accounts (their e-mail ends in @demo.invalid) that no other union uses; nothing "
        "else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", help=_("Print the accounts and URLs as JSON.")
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help=_("Where the server is reached, for the printed links."),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=_(
                "First delete what the demo created (its union with everything under it, "
                "its accounts no other union uses) and nothing else; then seed afresh."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Seed even with DEBUG off. The demo passwords are public: never in production."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "DEBUG is off: this looks like production. The demo accounts have "
                    "public passwords; add --force if you really want them here."
                )
            )
        try:
            result = seed_demo(base_url=options["base_url"], reset=options["reset"])
        except DomainError as error:
            raise CommandError(_("The demo was not seeded: %s") % error.message) from error
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        self.print_human(result)

    def print_human(self, result: DemoResult) -> None:
        write = self.stdout.write
        for note in result.notes:
            write(self.style.NOTICE(note))
        if result.notes:
            write("")
        write(
            self.style.WARNING(
                _("DEMO ACCOUNTS: these passwords are public. Never use them on a real meeting.")
            )
        )
        write("")
        rows = [(_("Username"), _("Password"), _("Role"), _("Full name"))]
        rows += [(a.username, a.password, a.role, a.full_name) for a in result.accounts]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            write("  ".join([*cells, row[3]]))
            if index == 0:
                write("  ".join("-" * width for width in [*widths, len(row[3])]))
        write("")
        labels = {
            "login": _("Log in"),
            "meeting": _("Member page"),
            "chair": _("Chair console"),
            "projector": _("Projector"),
            "board": _("Bulletin board"),
        }
        for key, label in labels.items():
            write(f"{label}: {result.urls[key]}")
        write("")
        write(_("Draft polls, ready to open from the chair console:"))
        for title in result.polls:
            write(f"  - {title}")
        if result.closed_polls:
            write("")
            write(_("Closed polls, on the bulletin board with their audit exports:"))
            for title in result.closed_polls:
                write(f"  - {title}")
