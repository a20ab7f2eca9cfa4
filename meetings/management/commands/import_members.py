"""python manage.py import_members FILE.csv --union ID [--dry-run] [--actor USERNAME]"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import DomainError
from meetings import services
from meetings.member_import import ImportReport
from meetings.models import Member, Membership, Union


def default_actor(union: Union) -> Member | None:
    """Whom the import runs as without --actor: the union's first officer,
    else the first superuser. Shell access to manage.py is operator access."""
    officer = (
        Membership.objects.filter(union=union, role=Membership.Role.OFFICER, member__is_active=True)
        .select_related("member")
        .order_by("pk")
        .first()
    )
    if officer is not None:
        return officer.member
    return Member.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()


class Command(BaseCommand):
    help = _(
        "Import union members from a UTF-8 CSV file with the columns member_number, "
        "full_name (both required), phone, email, language (en, vi, ar) and weight. "
        "All or nothing: if any row is bad, nothing is imported, every bad row is "
        "listed with its line number, and the command exits with status 1. "
        "The import runs as --actor (who must be an officer of the union or a "
        "superuser); without --actor it runs as the union's first officer, or the "
        "first superuser if the union has no officer yet."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=_("The CSV file ('-' reads standard input)."))
        parser.add_argument("--union", required=True, help=_("The union's id or code."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check the file and show what would be imported; write nothing."),
        )
        parser.add_argument("--actor", help=_("Username of the officer the import runs as."))

    def handle(self, *args: Any, **options: Any) -> None:
        union = self._union(options["union"])
        actor = self._actor(options["actor"], union)
        data = self._read(options["file"])
        try:
            report = services.members_import(
                actor=actor, union=union, data=data, dry_run=options["dry_run"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self._print(report, union)
        if not report.ok:
            raise CommandError(
                ngettext(
                    "%(count)d error in the file; nothing was imported.",
                    "%(count)d errors in the file; nothing was imported.",
                    len(report.errors),
                )
                % {"count": len(report.errors)}
            )

    def _union(self, value: str) -> Union:
        union = (
            Union.objects.filter(pk=int(value)).first()
            if value.isdigit()
            else Union.objects.filter(code=value).first()
        )
        if union is None:
            raise CommandError(_("No union with id or code %s.") % value)
        return union

    def _actor(self, username: str | None, union: Union) -> Member:
        if username:
            actor = Member.objects.filter(username=username).first()
            if actor is None:
                raise CommandError(_("No member with username %s.") % username)
            return actor
        actor = default_actor(union)
        if actor is None:
            raise CommandError(
                _("%s has no officer and there is no superuser; give --actor.") % union.name
            )
        return actor

    def _read(self, path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
            ) from exc

    def _print(self, report: ImportReport, union: Union) -> None:
        for error in report.errors:
            where = _("line %d") % error.line if error.line else _("file")
            column = f" [{error.column}]" if error.column else ""
            self.stderr.write(f"{where}{column}: {error.message}")
        if not report.ok:
            return
        if report.dry_run:
            self.stdout.write(
                ngettext(
                    "Dry run: %(count)d member would be imported into %(union)s; "
                    "nothing was written.",
                    "Dry run: %(count)d members would be imported into %(union)s; "
                    "nothing was written.",
                    len(report.rows),
                )
                % {"count": len(report.rows), "union": union.name}
            )
            for row in report.rows:
                self.stdout.write(
                    f"  {_('line %d') % row.line}: {row.member_number}  {row.full_name}  "
                    f"{row.language}  {row.weight}"
                )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "Imported %(count)d member into %(union)s.",
                        "Imported %(count)d members into %(union)s.",
                        report.created,
                    )
                    % {"count": report.created, "union": union.name}
                )
            )
