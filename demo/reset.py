"""Start the demo over: delete what the demo created, and nothing else.

The demo's data is the union with the demo's code and everything under it
(its meetings with their polls, ballots, documents and logs, its memberships),
and the demo's own accounts (demo.content.DemoAccount: the username with its
@demo.invalid e-mail). An account another union also uses is kept. Anything
else that refers to the demo's data (a union placed under the demo union)
stops the reset before it deletes anything.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Model, ProtectedError, Q, QuerySet, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.commit import after_commit
from core.exceptions import Conflict
from demo.content import ACCOUNTS, UNION_CODE
from documents.models import DocumentPage, DocumentVersion
from documents.services import storage
from meetings.models import Meeting, Member, Membership, Participant, Union

# Rounds of "delete what blocks, then try again": a meeting's ballots, seals,
# roll and log take a few; a chain longer than this is not the demo's.
MAX_ROUNDS = 20


@transaction.atomic
def demo_reset() -> str:
    """Delete the demo union with everything under it, and the demo accounts
    no other union uses. Returns a sentence saying what went. Raises Conflict,
    having deleted nothing, when data outside the demo refers to it."""
    union = Union.objects.filter(code=UNION_CODE).first()
    accounts = _demo_accounts()
    elsewhere = Membership.objects.filter(member__in=accounts)
    on_rosters = Participant.objects.filter(member__in=accounts)
    if union is not None:
        elsewhere = elsewhere.exclude(union=union)
        on_rosters = on_rosters.exclude(meeting__union=union)
    kept = set(elsewhere.values_list("member_id", flat=True))
    kept |= set(on_rosters.values_list("member_id", flat=True))

    meetings = 0
    if union is not None:
        files = _stored_files(union)
        meetings = Meeting.objects.filter(union=union).count()
        _delete(Meeting.objects.filter(union=union))
        _delete(Union.objects.filter(pk=union.pk))
        after_commit(_remove_files, files)
    deleted = [m for m in accounts if m.pk not in kept]
    _delete(Member.objects.filter(pk__in=[m.pk for m in deleted]), follow=False)

    if union is None and not deleted:
        sentence = _("Reset: there was no demo data to delete.")
    elif union is None:
        sentence = ngettext(
            "Reset: deleted %(n)d demo account.",
            "Reset: deleted %(n)d demo accounts.",
            len(deleted),
        ) % {"n": len(deleted)}
    else:
        sentence = ngettext(
            "Reset: deleted the demo union with its %(meetings)d meeting, and "
            "%(accounts)d demo accounts.",
            "Reset: deleted the demo union with its %(meetings)d meetings, and "
            "%(accounts)d demo accounts.",
            meetings,
        ) % {"meetings": meetings, "accounts": len(deleted)}
    if kept:
        names = sorted(m.username for m in accounts if m.pk in kept)
        sentence += " " + _("Kept %s: other unions use them.") % ", ".join(names)
    return sentence


def _demo_accounts() -> list[Member]:
    """The demo's own accounts: each username with its demo e-mail."""
    match = Q(pk__in=[])
    for account in ACCOUNTS:
        match |= Q(username=account.username, email__iexact=account.email)
    return list(Member.objects.filter(match))


def _delete(rows: QuerySet[Model], *, follow: bool = True) -> None:
    """Delete the rows, and first whatever keeps them (a PROTECT or RESTRICT
    reference: ballots, seals and rolls of a poll, a meeting's log). Refuses
    when a union or an account keeps them, or anything at all when not
    `follow`ing: those are never the demo's to delete along the way."""
    for _round in range(MAX_ROUNDS):
        try:
            rows.delete()
            return
        except (ProtectedError, RestrictedError) as error:
            blockers = (
                error.protected_objects
                if isinstance(error, ProtectedError)
                else error.restricted_objects
            )
        by_model: dict[type[Model], list[object]] = defaultdict(list)
        for blocker in blockers:
            if not follow or isinstance(blocker, Union | Member):
                raise Conflict(
                    _(
                        "The %(kind)s “%(name)s” refers to the demo's data and is not the "
                        "demo's to delete, so nothing was reset."
                    )
                    % {"kind": blocker._meta.verbose_name, "name": blocker}
                )
            by_model[type(blocker)].append(blocker.pk)
        for model, pks in by_model.items():
            _delete(model._base_manager.filter(pk__in=pks))
    raise Conflict(_("The demo's data could not be deleted, so nothing was reset."))


def _stored_files(union: Union) -> list[str]:
    """The storage names of the union's documents: PDFs and page images."""
    versions = DocumentVersion.objects.filter(document__meeting__union=union)
    names = [name for name in versions.values_list("file", flat=True) if name]
    pages = DocumentPage.objects.filter(version__in=versions)
    for phone, projector in pages.values_list("phone_image", "projector_image"):
        names.extend(name for name in (phone, projector) if name)
    return names


def _remove_files(names: list[str]) -> None:
    store = storage()
    for name in names:
        store.delete(name)
