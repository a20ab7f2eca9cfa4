"""Member import from CSV (parsing and checks in meetings.member_import)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput
from meetings import member_import, permissions
from meetings.models import (
    Member,
    Membership,
    Union,
)


def member_language_set(*, actor: Member, language: str) -> Member:
    """Store the actor's own preferred language: pages, API errors, socket
    errors and PDFs use it from the next request on. Only one of
    settings.LANGUAGES; no write when it is already the preference."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("%(language)s is not an offered language.") % {"language": language})
    if actor.preferred_language != language:
        actor.preferred_language = language
        actor.save(update_fields=["preferred_language"])
    return actor


def _login_name(union: Union, number: str, taken: set[str]) -> str:
    """The member number if free as a login, else the number under the union's code."""
    candidate = number if number not in taken else f"{union.code}.{number}"
    suffix = 2
    base = candidate
    while candidate in taken:
        candidate = f"{base}.{suffix}"
        suffix += 1
    taken.add(candidate)
    return candidate


@transaction.atomic
def members_import(
    *, actor: Member, union: Union, data: bytes | str, dry_run: bool = False
) -> member_import.ImportReport:
    """Import members from CSV (member_number, full_name, phone, email, language,
    weight). All or nothing: any bad row and nothing is written; the report
    lists every bad row with its line number. New members get no password
    until they are invited."""
    permissions.require_in_union(actor=actor, union=union, action=permissions.MEMBERS_IMPORT)
    if not dry_run:
        # Serialise imports into one union, before reading its member numbers:
        # two at once could otherwise both pass the duplicate-number check.
        Union.objects.select_for_update().filter(pk=union.pk).first()
    report = member_import.ImportReport(dry_run=dry_run)
    try:
        text = member_import.decode(data)
    except ValueError as exc:
        report.errors.append(member_import.RowError(0, "", str(exc)))
        return report
    existing = set(
        Membership.objects.filter(union=union).values_list("member__member_number", flat=True)
    )
    member_import.parse(text, existing_numbers=existing, report=report)
    if not report.rows and not report.errors:
        report.errors.append(member_import.RowError(0, "", _("The file has no member rows.")))
    if dry_run or not report.ok:
        return report
    numbers = [r.member_number for r in report.rows]
    # Every login name _login_name might pick: the bare numbers, and anything
    # under the union's code ("code.number", "code.number.2", ...). Chunked:
    # SQLite takes at most 32,766 parameters per query.
    taken: set[str] = set(
        Member.objects.filter(username__startswith=f"{union.code}.").values_list(
            "username", flat=True
        )
    )
    for start in range(0, len(numbers), 500):
        taken.update(
            Member.objects.filter(username__in=numbers[start : start + 500]).values_list(
                "username", flat=True
            )
        )
    members = []
    for row in report.rows:
        member = Member(
            username=_login_name(union, row.member_number, taken),
            member_number=row.member_number,
            full_name=row.full_name,
            phone=row.phone,
            email=row.email,
            preferred_language=row.language,
        )
        member.set_unusable_password()
        members.append(member)
    # One INSERT per 500 rows instead of two per member (PostgreSQL and
    # SQLite >= 3.35 hand back the new primary keys).
    Member.objects.bulk_create(members, batch_size=500)
    Membership.objects.bulk_create(
        [
            Membership(member=member, union=union, vote_weight=row.weight)
            for member, row in zip(members, report.rows, strict=True)
        ],
        batch_size=500,
    )
    report.created = len(report.rows)
    return report
