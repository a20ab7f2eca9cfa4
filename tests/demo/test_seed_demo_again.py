"""`seed_demo` after a demo was used: the meeting is reused while it is ready to
use, otherwise a fresh one is created beside it; the printed accounts log in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import authenticate

from demo.content import POLLS
from documents import services as document_services
from documents.demo import DEMO_TITLE
from documents.models import Document
from meetings import services
from meetings.models import AgendaItem, Meeting, MeetingEvent, Member, Participant
from tests.demo.conftest import run, seed
from voting import services as voting_services
from voting.models import Ballot, Poll

pytestmark = pytest.mark.django_db

DRAFTS = [title for title, _fields, _item in POLLS]


def chair() -> Member:
    return Member.objects.get(username="chair")


def close_meeting(meeting: Meeting) -> None:
    services.meeting_close(actor=chair(), meeting=meeting)


def delete_agenda_pack(meeting: Meeting) -> None:
    document = Document.objects.get(meeting=meeting, title=DEMO_TITLE)
    document_services.document_delete(actor=chair(), document=document)


def cancel_a_poll(meeting: Meeting) -> None:
    poll = Poll.objects.get(meeting=meeting, title="Venue for the next congress")
    voting_services.poll_cancel(actor=chair(), poll=poll, reason="Trying the demo")


def clerk_made_voter(meeting: Meeting) -> None:
    participant = Participant.objects.get(meeting=meeting, member__username="clerk")
    services.participant_update(actor=chair(), participant=participant, role=Participant.Role.VOTER)


def member_made_observer(meeting: Meeting) -> None:
    participant = Participant.objects.get(meeting=meeting, member__username="member30")
    services.participant_update(
        actor=chair(), participant=participant, role=Participant.Role.OBSERVER
    )


def assert_ready(data: dict[str, Any]) -> Meeting:
    """The printed meeting is live, with the demo's draft polls, closed polls,
    agenda pack and roster, and the printed accounts log in."""
    meeting = Meeting.objects.get(pk=data["meeting_id"])
    assert meeting.status == Meeting.Status.LIVE
    polls = dict(Poll.objects.filter(meeting=meeting).values_list("title", "state"))
    assert {title: polls[title] for title in DRAFTS} == dict.fromkeys(DRAFTS, Poll.State.DRAFT)
    assert [polls[title] for title in data["closed_polls"]] == [Poll.State.CLOSED] * 2
    assert Document.objects.filter(meeting=meeting, title=DEMO_TITLE).exists()
    roster = dict(
        Participant.objects.filter(meeting=meeting).values_list("member__username", "role")
    )
    for account in data["accounts"]:
        assert roster[account["username"]] == account["role"]
        assert authenticate(username=account["username"], password=account["password"])
    return meeting


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (close_meeting, "closed"),
        (delete_agenda_pack, "agenda pack deleted"),
        (cancel_a_poll, "poll “Venue for the next congress” cancelled or deleted"),
        (clerk_made_voter, "roster changed for clerk"),
        (member_made_observer, "roster changed for member30"),
    ],
)
def test_a_meeting_changed_beyond_use_gets_a_fresh_one_beside_it(
    change: Callable[[Meeting], None], problem: str
) -> None:
    first = seed()
    old = Meeting.objects.get(pk=first["meeting_id"])
    change(old)
    old.refresh_from_db()
    old_state = (old.status, Poll.objects.filter(meeting=old).count())
    old_log = MeetingEvent.objects.filter(meeting=old).count()

    second = seed()
    assert second["meeting_id"] != old.pk
    assert_ready(second)
    [note] = second["notes"]
    assert f"Demo meeting #{old.pk} is not reused ({problem})" in note
    assert f"#{second['meeting_id']}" in note and "RESET=1" in note
    # The old meeting is kept as it was.
    old.refresh_from_db()
    assert (old.status, Poll.objects.filter(meeting=old).count()) == old_state
    assert MeetingEvent.objects.filter(meeting=old).count() == old_log

    third = seed()
    assert third["meeting_id"] == second["meeting_id"]
    assert third["notes"] == []
    assert Meeting.objects.count() == 2


def test_closed_after_deleting_the_pack_and_cancelling_a_poll() -> None:
    first = seed()
    old = Meeting.objects.get(pk=first["meeting_id"])
    delete_agenda_pack(old)
    cancel_a_poll(old)
    close_meeting(old)
    second = seed()
    assert_ready(second)
    [note] = second["notes"]
    assert (
        "(closed; poll “Venue for the next congress” cancelled or deleted; agenda pack deleted)"
        in note
    )


def test_the_note_leads_the_printed_output() -> None:
    data = seed()
    close_meeting(Meeting.objects.get(pk=data["meeting_id"]))
    out = run()
    assert out.startswith(f"Demo meeting #{data['meeting_id']} is not reused (closed)")
    assert "DEMO ACCOUNTS" in out


def test_voting_weights_and_agenda_changes_keep_the_meeting() -> None:
    data = seed()
    meeting = Meeting.objects.get(pk=data["meeting_id"])
    budget = Poll.objects.get(meeting=meeting, title="Adopt the 2027 budget")
    budget = voting_services.poll_open(actor=chair(), poll=budget)
    voting_services.ballot_cast(
        voter=Member.objects.get(username="member01"),
        poll_id=budget.pk,
        choices=[budget.options.get(label="Yes").pk],
        nonce="CCCCCCCCCCCCCCCC",
    )
    voting_services.poll_close(actor=chair(), poll=budget)
    voter = Participant.objects.get(meeting=meeting, member__username="member02")
    services.participant_update(actor=chair(), participant=voter, vote_weight="3.5")
    item = AgendaItem.objects.filter(meeting=meeting).first()
    assert item is not None
    services.agenda_item_delete(actor=chair(), item=item)
    before = (Meeting.objects.count(), Poll.objects.count(), Ballot.objects.count())

    again = seed()
    assert again["meeting_id"] == meeting.pk
    assert again["notes"] == []
    assert (Meeting.objects.count(), Poll.objects.count(), Ballot.objects.count()) == before


def test_accounts_that_cannot_log_in_are_restored() -> None:
    data = seed()
    Member.objects.filter(username="member03").update(is_active=False)
    clerk = Member.objects.get(username="clerk")
    clerk.set_unusable_password()
    clerk.save()

    again = seed()
    assert again["meeting_id"] == data["meeting_id"]
    assert again["notes"] == [
        "The demo account clerk could not log in; it can again.",
        "The demo account member03 could not log in; it can again.",
    ]
    assert authenticate(username="member03", password="demo-member03")
    assert authenticate(username="clerk", password="demo-clerk")
