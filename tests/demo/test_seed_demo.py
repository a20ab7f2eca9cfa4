"""`manage.py seed_demo`: the demo union, accounts and meeting, idempotent."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError

from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union
from tests.demo.conftest import run
from voting.models import Poll, PollOption

pytestmark = pytest.mark.django_db

MODELS = (Union, Member, Membership, Meeting, Participant, AgendaItem, Poll, PollOption)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_json_lists_the_meeting_urls_and_accounts() -> None:
    data = json.loads(run("--json", "--base-url", "http://10.0.0.5:8000/"))
    meeting = Meeting.objects.get(pk=data["meeting_id"])
    assert meeting.title == "Annual general meeting"
    assert meeting.union.code == "demo"
    assert meeting.union.name == "Demo Workers' Union"
    # Started, to hold the two polls voted and closed for the bulletin board.
    assert meeting.status == Meeting.Status.LIVE
    assert meeting.agenda_items.count() == 6

    urls = data["urls"]
    assert set(urls) == {"login", "meeting", "chair", "projector", "board"}
    assert all(url.startswith("http://10.0.0.5:8000/") for url in urls.values())
    assert "//" not in urls["meeting"].removeprefix("http://")
    assert "/projector/" in urls["projector"]

    accounts = data["accounts"]
    assert [a["username"] for a in accounts[:2]] == ["chair", "clerk"]
    assert [a["username"] for a in accounts[2:]] == [f"member{i:02d}" for i in range(1, 31)]
    assert {a["role"] for a in accounts[2:]} == {"voter"}
    assert len({a["password"] for a in accounts}) == 32
    assert any("ễ" in a["full_name"] or "ữ" in a["full_name"] for a in accounts)
    assert any("\u0600" <= ch <= "\u06ff" for a in accounts for ch in a["full_name"])


def test_everyone_is_on_the_roster_with_the_right_role() -> None:
    data = json.loads(run("--json"))
    roster = dict(
        Participant.objects.filter(meeting_id=data["meeting_id"]).values_list(
            "member__username", "role"
        )
    )
    assert len(roster) == 32
    assert roster.pop("chair") == Participant.Role.CHAIR
    assert roster.pop("clerk") == Participant.Role.CLERK
    assert set(roster) == {f"member{i:02d}" for i in range(1, 31)}
    assert set(roster.values()) == {Participant.Role.VOTER}
    assert Membership.objects.get(member__username="chair").role == Membership.Role.OFFICER


def test_printed_passwords_log_in() -> None:
    data = json.loads(run("--json"))
    for account in (data["accounts"][0], data["accounts"][1], data["accounts"][-1]):
        user = authenticate(username=account["username"], password=account["password"])
        assert user is not None
        assert user.get_full_name() == account["full_name"]


def test_running_twice_changes_nothing() -> None:
    first = run("--json")
    before = counts()
    hashes = dict(Member.objects.values_list("username", "password"))
    second = run("--json")
    assert counts() == before
    assert dict(Member.objects.values_list("username", "password")) == hashes
    first_data, second_data = json.loads(first), json.loads(second)
    assert second_data["meeting_id"] == first_data["meeting_id"]
    assert second_data["accounts"] == first_data["accounts"]
    assert before["Participant"] == 32


def test_human_output_is_a_table_with_the_urls() -> None:
    out = run()
    assert "public" in out  # the warning about demo passwords
    lines = out.splitlines()
    chair_line = next(line for line in lines if line.startswith("chair "))
    assert "demo-chair" in chair_line
    assert sum(line.startswith("member") for line in lines) == 30
    meeting = Meeting.objects.get(union__code="demo")
    assert "http://127.0.0.1:8000/" in out
    assert "/projector/" in out
    assert str(meeting.pk) in out


def test_refuses_with_debug_off_unless_forced(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        run()
    assert not Union.objects.exists()
    run("--force", "--json")
    assert Union.objects.filter(code="demo").exists()


def test_a_draft_poll_of_each_kind() -> None:
    data = json.loads(run("--json"))
    polls = {
        poll.title: poll
        for poll in Poll.objects.filter(
            meeting_id=data["meeting_id"], title__in=data["polls"]
        ).prefetch_related("options")
    }
    assert data["polls"] == [
        "Adopt the 2027 budget",
        "Venue for the next congress",
        "Priorities for 2027 bargaining",
        "Executive committee",
    ]
    assert set(polls) == set(data["polls"])
    assert {poll.state for poll in polls.values()} == {Poll.State.DRAFT}
    assert {poll.kind for poll in polls.values()} == {"motion", "single", "multiple", "election"}

    budget = polls["Adopt the 2027 budget"]
    assert (budget.kind, budget.secrecy, budget.majority) == ("motion", "secret", "two_thirds")
    assert [o.label for o in budget.options.all()] == ["Yes", "No", "Abstain"]
    assert budget.agenda_item is not None
    assert budget.agenda_item.title == "Financial report and auditors' opinion"

    venue = polls["Venue for the next congress"]
    assert (venue.kind, venue.secrecy, venue.results_visibility) == ("single", "named", "live")
    assert venue.live_results

    priorities = polls["Priorities for 2027 bargaining"]
    assert (priorities.min_choices, priorities.max_choices) == (1, 3)
    assert priorities.options.count() == 6  # five options and Abstain

    executive = polls["Executive committee"]
    assert executive.seats == 3
    assert executive.options.filter(role="candidate").count() == 5
    assert executive.options.filter(role="abstain").count() == 1


def test_human_output_lists_the_polls() -> None:
    out = run()
    assert "Draft polls" in out
    assert "  - Executive committee" in out


def test_the_demo_meets_today_in_ho_chi_minh_city() -> None:
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    data = json.loads(run("--json"))
    meeting = Meeting.objects.get(pk=data["meeting_id"])
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    assert meeting.union.time_zone == meeting.time_zone == "Asia/Ho_Chi_Minh"
    assert timezone.localtime(meeting.starts_at, zone).date() == timezone.localdate(timezone=zone)
    assert timezone.localtime(meeting.starts_at, zone).strftime("%H:%M") == "08:30"
