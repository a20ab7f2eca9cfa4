"""What the demo consists of: its union, accounts, meeting, agenda and polls.

Data only; demo.seed puts it in the database and demo.reset takes it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meetings.models import Participant

# The demo union is found by its code: a reset deletes it and everything under it.
UNION_CODE = "demo"
UNION_NAME = "Demo Workers' Union"
# Where the demo union meets: its meetings, pages and CSV files use this zone.
TIME_ZONE = "Asia/Ho_Chi_Minh"
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

# Branch delegates who carry more than one vote: member number (from 1) ->
# weight. Member 9 is the only one, so on the secret poll below her weight is
# merged with two others into the class "other" (docs/audit-format.md).
DELEGATE_WEIGHTS: dict[int, str] = {9: "2.5"}

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

# The 30 members, member01 to member30: (full name, preferred language).
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


@dataclass(frozen=True)
class DemoAccount:
    """A demo login. Its e-mail, in the reserved .invalid domain, marks it as the
    demo's own: only such accounts are reused, repaired or deleted by a reset."""

    username: str
    full_name: str
    language: str
    number: str
    role: str  # on the demo meeting's roster, as printed

    @property
    def password(self) -> str:
        return f"demo-{self.username}"

    @property
    def email(self) -> str:
        return f"{self.username}@demo.invalid"


CHAIR = DemoAccount("chair", "Nguyễn Thị Thu Hà", "vi", "D000", Participant.Role.CHAIR)
CLERK = DemoAccount("clerk", "Trần Văn Phúc", "vi", "D100", Participant.Role.CLERK)
MEMBERS = [
    DemoAccount(f"member{index:02d}", full_name, language, f"D{index:03d}", Participant.Role.VOTER)
    for index, (full_name, language) in enumerate(MEMBER_NAMES, start=1)
]
ACCOUNTS = [CHAIR, CLERK, *MEMBERS]
