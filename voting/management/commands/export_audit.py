"""python manage.py export_audit POLL_ID [--out FILE]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting import audit
from voting.models import Poll, PollSeal


class Command(BaseCommand):
    help = (
        "Write the audit export of a closed poll: one JSON file that "
        "`python -m voting.verify FILE` checks without the server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("poll_id", type=int)
        parser.add_argument(
            "--out", type=Path, help="the file to write (default: print to standard output)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        poll = Poll.objects.select_related("meeting").filter(pk=options["poll_id"]).first()
        if poll is None:
            raise CommandError(f"No poll with id {options['poll_id']}.")
        if poll.state not in audit.SEALED_STATES or not PollSeal.objects.filter(poll=poll).exists():
            raise CommandError(
                f"Poll {poll.pk} is {poll.state}: only closed polls are sealed and can be exported."
            )
        text = audit.export_text(poll)
        out: Path | None = options["out"]
        if out is None:
            self.stdout.write(text, ending="")
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from exc
        self.stderr.write(f"Wrote {out}: {poll.ballots.count()} ballots of poll {poll.pk}.")
