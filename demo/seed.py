"""Seed the demo: its union, accounts and a meeting ready to use.

A run reuses the newest demo meeting while it is still usable (see
`meeting_problems`); otherwise it creates a fresh one beside it and keeps the
old one as it was. Union, accounts and memberships have no service (staff
create them in the admin or by CSV import); everything in a meeting goes
through the services, as any other entry point would.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict
from demo.content import (
    ACCOUNTS,
    AGENDA,
    CHAIR,
    CLERK,
    CLOSED_POLLS,
    DELEGATE_WEIGHTS,
    MEETING_LOCATION,
    MEETING_TITLE,
    MEMBERS,
    POLLS,
    TIME_ZONE,
    UNION_CODE,
    UNION_NAME,
    DemoAccount,
)
from demo.reset import demo_reset
from documents.demo import DEMO_TITLE, attach_demo_agenda
from documents.models import Document
from meetings import services
from meetings.models import Meeting, Member, Membership, Participant, Union
from voting import keys
from voting import services as voting_services
from voting.models import Poll


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    role: str
    full_name: str


@dataclass(frozen=True)
class DemoResult:
    meeting_id: int
    urls: dict[str, str]
    accounts: list[Account]
    polls: list[str]
    closed_polls: list[str]
    # What this run did besides finding everything in place, one sentence each.
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "urls": self.urls,
            "accounts": [asdict(account) for account in self.accounts],
            "polls": self.polls,
            "closed_polls": self.closed_polls,
            "notes": self.notes,
        }


@transaction.atomic
def seed_demo(*, base_url: str, reset: bool = False) -> DemoResult:
    """Create or find the demo union, its accounts and a usable demo meeting.

    With `reset`, first delete what the demo created (demo.reset). Raises a
    DomainError, having written nothing, when the demo cannot be seeded.
    """
    notes = [demo_reset()] if reset else []
    union, _created = Union.objects.get_or_create(
        code=UNION_CODE, defaults={"name": UNION_NAME, "time_zone": TIME_ZONE}
    )
    if union.time_zone != TIME_ZONE:
        union.time_zone = TIME_ZONE
        union.save(update_fields=["time_zone"])
    members = {account: _member(account, notes) for account in ACCOUNTS}
    for account, member in members.items():
        _membership(account, member, union)
    chair, clerk = members[CHAIR], members[CLERK]

    meeting = Meeting.objects.filter(union=union, title=MEETING_TITLE).order_by("-pk").first()
    problems = meeting_problems(meeting, members) if meeting is not None else []
    if meeting is None or problems:
        previous = meeting
        meeting = _new_meeting(union, chair, clerk)
        if previous is not None:
            notes.append(
                _(
                    "Demo meeting #%(old)s is not reused (%(problems)s): created a fresh one, "
                    "#%(new)s, beside it; #%(old)s is kept as it was. To start over: "
                    "make demo RESET=1 (seed_demo --reset)."
                )
                % {"old": previous.pk, "new": meeting.pk, "problems": "; ".join(problems)}
            )
    closed_polls = _closed_polls(chair, clerk, meeting, [members[m] for m in MEMBERS])
    token = services.projector_link_create(actor=chair, meeting=meeting)

    kwargs = {"meeting_id": meeting.pk}
    urls = {
        "login": _url(base_url, "frontend:login", {}, "/login/"),
        "meeting": _url(base_url, "frontend:meeting", kwargs, f"/meetings/{meeting.pk}/"),
        "chair": _url(base_url, "frontend:chair", kwargs, f"/meetings/{meeting.pk}/chair/"),
        "projector": _url(base_url, "frontend:projector", {"token": token}, f"/projector/{token}/"),
        "board": _url(base_url, "frontend:board", kwargs, f"/meetings/{meeting.pk}/board/"),
    }
    accounts = [
        Account(account.username, account.password, account.role, member.full_name)
        for account, member in members.items()
    ]
    return DemoResult(
        meeting_id=meeting.pk,
        urls=urls,
        accounts=accounts,
        polls=[title for title, _fields, _item in POLLS],
        closed_polls=closed_polls,
        notes=notes,
    )


def meeting_problems(meeting: Meeting, members: dict[DemoAccount, Member]) -> list[str]:
    """Why the demo meeting is no longer ready to use; empty while it is.

    It is ready while it is not closed, each of the demo's draft polls is still
    there and not cancelled (opened or voted is fine), its agenda pack is there,
    and every demo account is on its roster with the role printed for it.
    Weights, agenda, documents and polls added, and everything else, may change.
    """
    problems = []
    if meeting.status == Meeting.Status.CLOSED:
        problems.append(_("closed"))
    titles = [title for title, _fields, _item in POLLS]
    kept = set(
        Poll.objects.filter(meeting=meeting, title__in=titles)
        .exclude(state=Poll.State.CANCELLED)
        .values_list("title", flat=True)
    )
    problems += [_("poll “%s” cancelled or deleted") % t for t in titles if t not in kept]
    if not Document.objects.filter(
        meeting=meeting, title=DEMO_TITLE, current_version__isnull=False
    ).exists():
        problems.append(_("agenda pack deleted"))
    roles = dict(
        Participant.objects.filter(meeting=meeting, member__in=members.values()).values_list(
            "member_id", "role"
        )
    )
    changed = [a.username for a, m in members.items() if roles.get(m.pk) != a.role]
    if changed:
        problems.append(_("roster changed for %s") % ", ".join(changed))
    return problems


def _url(base_url: str, name: str, kwargs: dict[str, Any], fallback: str) -> str:
    """An absolute URL from the frontend's URL names, or the documented path."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback
    return base_url.rstrip("/") + path


def _member(account: DemoAccount, notes: list[str]) -> Member:
    """The demo's account, created if missing and able to log in again if it
    was deactivated or lost its password. An account of the same username that
    the demo did not create is left alone, and the demo refused."""
    member = Member.objects.filter(username=account.username).first()
    if member is None:
        member = Member(
            username=account.username,
            full_name=account.full_name,
            member_number=account.number,
            email=account.email,
            preferred_language=account.language,
        )
        member.set_password(account.password)
        member.save()
        return member
    if member.email.lower() != account.email:
        raise Conflict(
            _(
                "The username %(username)s belongs to an account the demo did not create "
                "(its e-mail is not %(email)s), so the demo leaves it alone: rename that "
                "account or use another database."
            )
            % {"username": account.username, "email": account.email}
        )
    repaired = []
    if not member.is_active:
        member.is_active = True
        repaired.append("is_active")
    if not member.has_usable_password():
        member.set_password(account.password)
        repaired.append("password")
    if repaired:
        member.save(update_fields=repaired)
        notes.append(_("The demo account %s could not log in; it can again.") % account.username)
    return member


def _membership(account: DemoAccount, member: Member, union: Union) -> None:
    role = Membership.Role.OFFICER if account == CHAIR else Membership.Role.MEMBER
    membership, _created = Membership.objects.get_or_create(
        member=member, union=union, defaults={"role": role}
    )
    # The chair creates the fresh demo meetings, which only an officer may.
    if account == CHAIR and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])


def _first_meeting_start() -> datetime:
    """Today at 08:30 where the union meets: the demo is run as it happens."""
    zone = ZoneInfo(TIME_ZONE)
    return datetime.combine(timezone.localdate(timezone=zone), time(8, 30), tzinfo=zone)


def _new_meeting(union: Union, chair: Member, clerk: Member) -> Meeting:
    """A demo meeting with its agenda, roster, draft polls and agenda pack."""
    meeting = services.meeting_create(
        actor=chair,
        union=union,
        title=MEETING_TITLE,
        starts_at=_first_meeting_start(),
        location=MEETING_LOCATION,
    )
    for title, description in AGENDA:
        services.agenda_item_add(actor=chair, meeting=meeting, title=title, description=description)
    services.participant_add(
        actor=chair, meeting=meeting, member=clerk, role=Participant.Role.CLERK
    )
    services.participants_add_from_union(actor=chair, meeting=meeting)
    for number, weight in DELEGATE_WEIGHTS.items():
        delegate = Participant.objects.get(
            meeting=meeting, member__username=MEMBERS[number - 1].username
        )
        services.participant_update(actor=chair, participant=delegate, vote_weight=weight)
    items = dict(meeting.agenda_items.values_list("title", "pk"))
    for title, fields, item_title in POLLS:
        voting_services.poll_create(
            actor=chair,
            meeting=meeting,
            title=title,
            agenda_item_id=items.get(item_title) if item_title else None,
            **fields,
        )
    attach_demo_agenda(actor=chair, meeting=meeting)
    return meeting


def _closed_polls(
    chair: Member, clerk: Member, meeting: Meeting, members: list[Member]
) -> list[str]:
    """Two motions voted and closed through the voting services (one named,
    one secret; phone ballots and a paper ballot), so that the board and the
    audit export have something to show. Starts the meeting if it is only
    scheduled. Polls already there (by question) are left alone; nothing is
    added to a closed meeting or while another poll is open."""
    existing = set(Poll.objects.filter(meeting=meeting).values_list("title", flat=True))
    missing = [row for row in CLOSED_POLLS if row[0] not in existing]
    if not missing or meeting.status == Meeting.Status.CLOSED:
        return [row[0] for row in CLOSED_POLLS if row[0] in existing]
    if Poll.objects.filter(meeting=meeting, state=Poll.State.OPEN).exists():
        return [row[0] for row in CLOSED_POLLS if row[0] in existing]
    if not keys.key_path().exists():  # ballots are signed: the demo needs a key
        keys.generate(keys.key_path())
    if meeting.status == Meeting.Status.SCHEDULED:
        meeting = services.meeting_start(actor=chair, meeting=meeting)
    for title, fields, votes, paper in missing:
        poll = voting_services.poll_create(actor=chair, meeting=meeting, title=title, **fields)
        poll = voting_services.poll_open(actor=chair, poll=poll)
        option = dict(poll.options.values_list("label", "pk"))
        for number, answer in votes:
            voting_services.ballot_cast(
                voter=members[number - 1],
                poll_id=poll.pk,
                choices=[option[answer]],
                nonce=_demo_nonce(),
            )
        for number, answer in paper:
            entry = poll.roll.get(member__member=members[number - 1])
            voting_services.paper_ballot_enter(
                actor=clerk, poll=poll, roll_entry_id=entry.pk, choices=[option[answer]]
            )
        voting_services.poll_close(actor=chair, poll=poll)
    return [row[0] for row in CLOSED_POLLS]


def _demo_nonce() -> str:
    """A ballot nonce as a phone draws it: 80 random bits in base32."""
    return base64.b32encode(secrets.token_bytes(10)).decode()
