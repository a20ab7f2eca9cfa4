"""`python manage.py seed_demo [--json]`: a demo union and meeting to try the system.

Idempotent: a second run finds everything in place, changes nothing and prints
the same accounts. The demo passwords are fixed and printed on screen, so the
command refuses to run with DEBUG off unless given --force.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.demo import attach_demo_agenda
from meetings import services
from meetings.models import Meeting, Member, Membership, Participant, Union
from voting import keys
from voting import services as voting_services
from voting.models import Poll
from voting.services import poll_create

UNION_CODE = "demo"
UNION_NAME = "Demo Workers' Union"
MEETING_TITLE = "Annual general meeting"
MEETING_LOCATION = "Union hall, 2nd floor"

AGENDA = [
    (
        "Opening, quorum and adoption of the agenda",
        "The chair opens the meeting, the clerk reports attendance and the "
        "meeting adopts the agenda.",
    ),
    (
        "Report of the executive committee",
        "What the committee did since the last general meeting: bargaining, "
        "grievances, training and membership.",
    ),
    (
        "Financial report and auditors' opinion",
        "Income from dues, spending, the strike fund and the auditors' findings.",
    ),
    (
        "Collective bargaining priorities for next year",
        "Wages, overtime pay, shift allowances and health and safety at work.",
    ),
    (
        "Election of the bargaining committee",
        "Five seats. Candidates introduce themselves before the vote.",
    ),
    ("Any other business", "Questions from members; date of the next meeting."),
]

# Draft polls, one of each kind, so that a newcomer can open one and vote at
# once: (question, fields for voting.services.poll_create, agenda item title).
POLLS: list[tuple[str, dict[str, Any], str | None]] = [
    (
        "Adopt the 2027 budget",
        {
            "kind": "motion",
            "description": "The executive committee proposes the budget as presented "
            "in the financial report. Adopting it needs two-thirds of the valid votes.",
            "secrecy": "secret",
            "majority": "two_thirds",
        },
        "Financial report and auditors' opinion",
    ),
    (
        "Venue for the next congress",
        {
            "kind": "single",
            "options": ["Hà Nội", "Đà Nẵng", "Hồ Chí Minh City"],
            "secrecy": "named",
            "results_visibility": "live",
        },
        "Any other business",
    ),
    (
        "Priorities for 2027 bargaining",
        {
            "kind": "multiple",
            "description": "Choose up to three.",
            "options": [
                "Wages",
                "Overtime pay",
                "Shift allowances",
                "Health and safety",
                "Working hours",
            ],
            "min_choices": 1,
            "max_choices": 3,
        },
        "Collective bargaining priorities for next year",
    ),
    (
        "Executive committee",
        {
            "kind": "election",
            "description": "Three seats. Mark up to three candidates.",
            "options": [
                "Lê Văn Hùng",
                "Phạm Thị Mai",
                "Hoàng Đức Anh",
                "فاطمة الزهراء بنعلي",
                "Samir Haddad",
            ],
            "seats": 3,
        },
        None,
    ),
]

# Polls voted and closed already, so that a fresh demo has a bulletin board and
# audit exports: (question, poll_create fields, phone votes as (member number
# from 1, answer), paper ballots entered by the clerk as (member number, answer)).
CLOSED_POLLS: list[tuple[str, dict[str, Any], list[tuple[int, str]], list[tuple[int, str]]]] = [
    (
        "Approve the minutes of the last general meeting",
        {"kind": "motion", "secrecy": "named"},
        [(1, "Yes"), (2, "Yes"), (3, "Yes"), (4, "Yes"), (5, "Yes"), (6, "No"), (7, "Abstain")],
        [(8, "Yes")],
    ),
    (
        "Join the federation's solidarity strike fund",
        {
            "kind": "motion",
            "secrecy": "secret",
            "description": "Two per cent of dues go to the fund shared with the "
            "other local unions.",
        },
        [
            (1, "Yes"),
            (2, "No"),
            (3, "Yes"),
            (4, "Yes"),
            (5, "Abstain"),
            (6, "Yes"),
            (7, "No"),
            (9, "Yes"),
            (10, "Yes"),
        ],
        [(11, "Yes")],
    ),
]

# (username, full name, preferred language). Passwords: "demo-" + username.
CHAIR = ("chair", "Nguyễn Thị Thu Hà", "vi")
CLERK = ("clerk", "Trần Văn Phúc", "vi")
MEMBER_NAMES = [
    ("Lê Văn Hùng", "vi"),
    ("Phạm Thị Mai", "vi"),
    ("Hoàng Đức Anh", "vi"),
    ("Vũ Thị Hồng Nhung", "vi"),
    ("Đặng Quốc Bảo", "vi"),
    ("Bùi Thị Lan Anh", "vi"),
    ("Đỗ Minh Tuấn", "vi"),
    ("Hồ Thị Thanh Hương", "vi"),
    ("Ngô Văn Long", "vi"),
    ("Dương Thị Yến", "vi"),
    ("Lý Hoàng Nam", "vi"),
    ("Phan Thị Ngọc Trâm", "vi"),
    ("Trịnh Văn Dũng", "vi"),
    ("Đinh Thị Kim Oanh", "vi"),
    ("Mai Xuân Trường", "vi"),
    ("Cao Thị Bích Ngọc", "vi"),
    ("Lương Văn Thắng", "vi"),
    ("Tạ Thị Hải Yến", "vi"),
    ("Châu Minh Khoa", "vi"),
    ("Nguyễn Văn Tâm", "vi"),
    ("Trần Thị Diệu Linh", "vi"),
    ("Lê Thị Phương Thảo", "vi"),
    ("Phạm Quang Huy", "vi"),
    ("Võ Thị Thu Trang", "vi"),
    ("Huỳnh Tấn Phát", "vi"),
    ("Nguyễn Thị Ánh Tuyết", "vi"),
    ("فاطمة الزهراء بنعلي", "ar"),
    ("محمد عبد الله السيد", "ar"),
    ("ليلى حسن منصور", "ar"),
    ("Samir Haddad", "en"),
]
assert len(MEMBER_NAMES) == 30


def demo_password(username: str) -> str:
    return f"demo-{username}"


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

    def as_json(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "urls": self.urls,
            "accounts": [asdict(account) for account in self.accounts],
            "polls": self.polls,
            "closed_polls": self.closed_polls,
        }


def _url(base_url: str, name: str, kwargs: dict[str, Any], fallback: str) -> str:
    """An absolute URL from the frontend's URL names, or the documented path."""
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = fallback
    return base_url.rstrip("/") + path


def _member(username: str, full_name: str, language: str, number: str) -> Member:
    member = Member.objects.filter(username=username).first()
    if member is None:
        member = Member(
            username=username,
            full_name=full_name,
            member_number=number,
            email=f"{username}@demo.invalid",
            preferred_language=language,
        )
        member.set_password(demo_password(username))
        member.save()
    return member


def _membership(member: Member, union: Union, role: str) -> None:
    Membership.objects.get_or_create(member=member, union=union, defaults={"role": role})


def _first_meeting_start() -> datetime:
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time(8, 30)))


@transaction.atomic
def seed_demo(*, base_url: str) -> DemoResult:
    """Create (or find) the demo union, its accounts and its meeting.

    Union, members and memberships have no service (staff create them in the
    admin or by CSV import); the meeting, its roster, agenda and projector link
    go through the services, as any other entry point would.
    """
    union, _created = Union.objects.get_or_create(code=UNION_CODE, defaults={"name": UNION_NAME})
    chair = _member(*CHAIR, number="D000")
    clerk = _member(*CLERK, number="D100")
    _membership(chair, union, Membership.Role.OFFICER)
    _membership(clerk, union, Membership.Role.MEMBER)
    members = []
    for index, (full_name, language) in enumerate(MEMBER_NAMES, start=1):
        member = _member(f"member{index:02d}", full_name, language, number=f"D{index:03d}")
        _membership(member, union, Membership.Role.MEMBER)
        members.append(member)

    meeting = Meeting.objects.filter(union=union, title=MEETING_TITLE).order_by("pk").first()
    if meeting is None:
        meeting = services.meeting_create(
            actor=chair,
            union=union,
            title=MEETING_TITLE,
            starts_at=_first_meeting_start(),
            location=MEETING_LOCATION,
        )
        for title, description in AGENDA:
            services.agenda_item_add(
                actor=chair, meeting=meeting, title=title, description=description
            )
    if not Participant.objects.filter(meeting=meeting, member=chair).exists():
        # Only a chair or clerk may put people back on the roster.
        raise CommandError(_("The demo chair is no longer on the demo meeting's roster."))
    if not Participant.objects.filter(meeting=meeting, member=clerk).exists():
        services.participant_add(
            actor=chair, meeting=meeting, member=clerk, role=Participant.Role.CLERK
        )
    services.participants_add_from_union(actor=chair, meeting=meeting)
    polls = _polls(chair, meeting)
    closed_polls = _closed_polls(chair, clerk, meeting, members)
    attach_demo_agenda(actor=chair, meeting=meeting)
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
        Account(chair.username, demo_password(chair.username), "chair", chair.full_name),
        Account(clerk.username, demo_password(clerk.username), "clerk", clerk.full_name),
        *(Account(m.username, demo_password(m.username), "voter", m.full_name) for m in members),
    ]
    return DemoResult(
        meeting_id=meeting.pk,
        urls=urls,
        accounts=accounts,
        polls=polls,
        closed_polls=closed_polls,
    )


def _polls(chair: Member, meeting: Meeting) -> list[str]:
    """A draft poll of each kind, through the voting service; those already
    there (by question, in any state) are left alone."""
    existing = set(Poll.objects.filter(meeting=meeting).values_list("title", flat=True))
    items = dict(meeting.agenda_items.values_list("title", "pk"))
    for title, fields, item_title in POLLS:
        if title in existing:
            continue
        poll_create(
            actor=chair,
            meeting=meeting,
            title=title,
            agenda_item_id=items.get(item_title) if item_title else None,
            **fields,
        )
    return [title for title, _fields, _item in POLLS]


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
        poll = poll_create(actor=chair, meeting=meeting, title=title, **fields)
        poll = voting_services.poll_open(actor=chair, poll=poll)
        option = dict(poll.options.values_list("label", "pk"))
        for number, answer in votes:
            voting_services.ballot_cast(
                voter=members[number - 1],
                poll_id=poll.pk,
                choices=[option[answer]],
                receipt_code=_demo_receipt(),
            )
        for number, answer in paper:
            entry = poll.roll.get(member__member=members[number - 1])
            voting_services.paper_ballot_enter(
                actor=clerk, poll=poll, roll_entry_id=entry.pk, choices=[option[answer]]
            )
        voting_services.poll_close(actor=chair, poll=poll)
    return [row[0] for row in CLOSED_POLLS]


def _demo_receipt() -> str:
    """A receipt code as a phone draws it: 80 random bits in base32."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


class Command(BaseCommand):
    help = _(
        "Create a demo union, a chair, a clerk, 30 members, a meeting with a draft poll "
        "of each kind and two polls already voted and closed (on the bulletin board), "
        "and print the accounts. Running it again changes nothing."
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
        result = seed_demo(base_url=options["base_url"])
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        self.print_human(result)

    def print_human(self, result: DemoResult) -> None:
        write = self.stdout.write
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
