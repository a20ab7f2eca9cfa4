"""CSV exports: the meeting's results and a named poll's ballot list."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from rest_framework.test import APIClient

from meetings import services as meeting_services
from meetings.models import Member
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory
from tests.voting.conftest import PollMaker, option_id, receipt
from tests.voting.test_api import assert_error, client_for
from voting import exports, services
from voting.models import Poll, RollEntry

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"


def rows_of(response: Any) -> list[list[str]]:
    """The CSV body: UTF-8 with a byte order mark, parsed with the csv module."""
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


def rename(member: Member, name: str) -> None:
    member.full_name = name
    member.save(update_fields=["full_name"])


def vote(world: World, poll: Poll, member: Member, label: str, **extra: Any) -> None:
    services.ballot_cast(
        voter=member,
        poll_id=poll.pk,
        choices=[option_id(poll, label)],
        nonce=receipt(),
        **extra,
    )


# --- results.csv -----------------------------------------------------------------------


def test_results_csv(live_world: World, make_poll: PollMaker) -> None:
    motion = make_poll(title="Thông qua ngân sách 2025?", majority="two_thirds")
    for member, label in zip(live_world.voters, ["Yes", "Yes", "No"], strict=True):
        vote(live_world, motion, member, label)
    vote(live_world, motion, live_world.chair, "Abstain")
    services.poll_close(actor=live_world.chair, poll=motion)
    services.poll_publish(actor=live_world.chair, poll=motion)
    election = make_poll(
        title="Bầu Ban chấp hành",
        kind="election",
        options=["Nguyễn Văn Đức", "Trần Thị Hương", "Lê Minh"],
        seats=2,
    )
    vote(live_world, election, live_world.voters[0], "Nguyễn Văn Đức")
    services.poll_close(actor=live_world.chair, poll=election)
    make_poll(open_=False, title="Still a draft")  # not exported

    response = client_for(live_world.voters[0]).get(
        f"/api/meetings/{live_world.meeting.pk}/results.csv"
    )
    rows = rows_of(response)
    assert response["Content-Disposition"] == (
        f'attachment; filename="meeting-{live_world.meeting.pk}-results.csv"'
    )
    records = as_dicts(rows)
    assert [(r["Question"], r["Option"]) for r in records] == [
        ("Thông qua ngân sách 2025?", "Yes"),
        ("Thông qua ngân sách 2025?", "No"),
        ("Thông qua ngân sách 2025?", "Abstain"),
        ("Bầu Ban chấp hành", "Nguyễn Văn Đức"),
        ("Bầu Ban chấp hành", "Trần Thị Hương"),
        ("Bầu Ban chấp hành", "Lê Minh"),
        ("Bầu Ban chấp hành", "Abstain"),
    ]
    yes, no, abstain = records[:3]
    assert (yes["Weight"], yes["Ballots"], yes["Chosen"]) == ("2", "2", "yes")
    assert (no["Weight"], no["Ballots"], no["Chosen"]) == ("1", "1", "")
    assert (abstain["Weight"], abstain["Ballots"]) == ("1", "1")
    assert yes["State"] == "Published"
    assert yes["Majority"] == "Two-thirds"
    assert (yes["Total ballots"], yes["Weight cast"], yes["Abstentions (weight)"]) == (
        "4",
        "4",
        "1",
    )
    assert yes["Result"] == "Carried: 2 of 3 valid votes; two-thirds required 2."
    duc = records[3]
    assert (duc["Weight"], duc["Chosen"], duc["State"]) == ("1", "yes", "Closed")
    # The sentence as recorded: the name between Unicode isolates.
    assert duc["Result"].startswith("Elected: \u2068Nguyễn Văn Đức\u2069.")


def test_results_csv_with_no_counted_poll_has_a_header_only(live_world: World) -> None:
    rows = rows_of(
        client_for(live_world.chair).get(f"/api/meetings/{live_world.meeting.pk}/results.csv")
    )
    assert len(rows) == 1
    assert rows[0][:2] == ["Poll", "Question"]


def test_results_csv_refusals(live_world: World) -> None:
    url = f"/api/meetings/{live_world.meeting.pk}/results.csv"
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.outsider).get(url), 404)
    bystander = MemberFactory.create()
    MembershipFactory.create(member=bystander, union=live_world.union)
    assert_error(client_for(bystander).get(url), 403)
    assert_error(client_for(live_world.chair).get("/api/meetings/999999/results.csv"), 404)


def test_results_csv_ignores_the_accept_header(live_world: World) -> None:
    url = f"/api/meetings/{live_world.meeting.pk}/results.csv"
    response = client_for(live_world.chair).get(url, HTTP_ACCEPT="text/csv")
    assert rows_of(response)[0][0] == "Poll"
    # Errors stay JSON even when CSV was asked for.
    assert_error(client_for(live_world.outsider).get(url, HTTP_ACCEPT="text/csv"), 404)


# --- ballots.csv -------------------------------------------------------------------------


def test_ballots_csv_of_a_named_poll(live_world: World, make_poll: PollMaker) -> None:
    first, second, third = live_world.voters
    rename(first, "Nguyễn Thị Hồng Nhung")
    rename(second, "Đặng Văn Ước")
    rename(third, '=HYPERLINK("http://evil")')
    a, b = live_world.participant(first), live_world.participant(second)
    meeting_services.participant_update(actor=live_world.chair, participant=a, vote_weight="2.5")
    meeting_services.proxy_create(
        actor=live_world.chair, meeting=live_world.meeting, delegator=a, delegate=b
    )
    poll = make_poll(secrecy="named", title="Đình công?")
    vote(live_world, poll, second, "Yes")
    vote(live_world, poll, second, "No", on_behalf_of=a.pk)
    entry = RollEntry.objects.get(poll=poll, member__member=third)
    paper_receipt = services.paper_ballot_enter(
        actor=live_world.clerk,
        poll=poll,
        roll_entry_id=entry.pk,
        choices=[option_id(poll, "Abstain")],
    ).receipt_code
    url = f"/api/polls/{poll.pk}/ballots.csv"
    body = assert_error(client_for(live_world.voters[0]).get(url), 409, "poll_not_closed")
    assert "closed" in body["detail"]
    services.poll_close(actor=live_world.chair, poll=poll)

    response = client_for(live_world.voters[2]).get(url)
    rows = rows_of(response)
    assert response["Content-Disposition"] == (f'attachment; filename="poll-{poll.pk}-ballots.csv"')
    assert rows[0] == [
        "Voter",
        "On behalf of",
        "Member number",
        "Choices",
        "Weight",
        "Method",
        "Receipt code",
    ]
    records = {(r["Voter"], r["On behalf of"]): r for r in as_dicts(rows)}
    assert set(records) == {
        ("Đặng Văn Ước", ""),
        ("Đặng Văn Ước", "Nguyễn Thị Hồng Nhung"),
        ('\'=HYPERLINK("http://evil")', ""),  # defused: not a formula in a spreadsheet
    }
    proxied = records[("Đặng Văn Ước", "Nguyễn Thị Hồng Nhung")]
    assert (proxied["Choices"], proxied["Weight"], proxied["Method"]) == ("No", "2.5", "Phone")
    assert proxied["Member number"] == first.member_number
    paper = records[('\'=HYPERLINK("http://evil")', "")]
    assert (paper["Choices"], paper["Method"], paper["Receipt code"]) == (
        "Abstain",
        "Paper, entered by a clerk",
        paper_receipt,
    )


def test_ballots_csv_multiple_choices(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(
        secrecy="named",
        kind="multiple",
        options=["Nhà ăn", "Xe đưa đón", "Thưởng Tết"],
        min_choices=1,
        max_choices=2,
    )
    services.ballot_cast(
        voter=live_world.voters[0],
        poll_id=poll.pk,
        choices=[option_id(poll, "Thưởng Tết"), option_id(poll, "Nhà ăn")],
        nonce=receipt(),
    )
    services.poll_close(actor=live_world.chair, poll=poll)
    records = as_dicts(
        rows_of(client_for(live_world.chair).get(f"/api/polls/{poll.pk}/ballots.csv"))
    )
    assert [r["Choices"] for r in records] == ["Nhà ăn; Thưởng Tết"]


def test_ballots_csv_refused_for_secret_polls(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="secret")
    vote(live_world, poll, live_world.voters[0], "Yes")
    services.poll_close(actor=live_world.chair, poll=poll)
    url = f"/api/polls/{poll.pk}/ballots.csv"
    body = assert_error(client_for(live_world.chair).get(url), 409, "secret_poll")
    assert "secret" in body["detail"]
    with pytest.raises(exports.Conflict):
        exports.poll_ballots_csv(poll=poll)


def test_ballots_csv_refusals(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(secrecy="named")
    services.poll_close(actor=live_world.chair, poll=poll)
    url = f"/api/polls/{poll.pk}/ballots.csv"
    assert_error(APIClient().get(url), 401)
    assert_error(client_for(live_world.outsider).get(url), 404)
    assert_error(client_for(live_world.chair).get("/api/polls/999999/ballots.csv"), 404)
    draft = make_poll(open_=False, secrecy="named", title="Draft")
    assert_error(client_for(live_world.voters[0]).get(f"/api/polls/{draft.pk}/ballots.csv"), 404)
    assert_error(
        client_for(live_world.chair).get(f"/api/polls/{draft.pk}/ballots.csv"),
        409,
        "poll_not_closed",
    )
