"""Polls: creation rules for every kind, the state machine, multiple choice,
elections, remote voters and the roll under `requires_presence`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings import services as meeting_services
from meetings.models import Meeting, MeetingEvent, Participant
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.factories import AgendaItemFactory, MeetingFactory, ParticipantFactory
from tests.voting.conftest import PollMaker, option_id, receipt
from voting import services
from voting.models import Ballot, Poll, PollOption, RollEntry, RollMark

pytestmark = pytest.mark.django_db


def labels_and_roles(poll: Poll) -> list[tuple[str, str]]:
    return list(PollOption.objects.filter(poll=poll).values_list("label", "role"))


def cast(world: World, poll: Poll, member_index: int, choices: list[int]) -> services.Receipt:
    return services.ballot_cast(
        voter=world.voters[member_index], poll_id=poll.pk, choices=choices, nonce=receipt()
    )


# --- creating ---------------------------------------------------------------------


def test_each_kind_gets_its_options(make_poll: PollMaker) -> None:
    motion = make_poll(open_=False, kind="motion", options=["ignored"])
    assert labels_and_roles(motion) == [("Yes", "yes"), ("No", "no"), ("Abstain", "abstain")]
    single = make_poll(open_=False, kind="single", options=[" Red ", "Blue", ""])
    assert labels_and_roles(single) == [
        ("Red", "option"),
        ("Blue", "option"),
        ("Abstain", "abstain"),
    ]
    assert (single.min_choices, single.max_choices, single.seats) == (1, 1, 1)
    multiple = make_poll(open_=False, kind="multiple", options=["A", "B", "C"])
    assert (multiple.min_choices, multiple.max_choices) == (1, 3)  # defaults: 1 .. all
    election = make_poll(open_=False, kind="election", options=["Lan", "Minh", "Hoa"], seats=2)
    assert labels_and_roles(election)[-1] == ("Abstain", "abstain")
    assert (election.min_choices, election.max_choices, election.seats) == (1, 2, 2)
    one = make_poll(open_=False, kind="election", options=["Lan"])
    assert labels_and_roles(one) == [("Lan", "candidate"), ("No", "no"), ("Abstain", "abstain")]
    assert (one.min_choices, one.max_choices, one.seats) == (1, 1, 1)


INVALID_POLLS: dict[str, dict[str, Any]] = {
    "no title": {"title": "  "},
    "unknown kind": {"kind": "ranked"},
    "unknown majority": {"majority": "most"},
    "unknown base": {"base": "everyone"},
    "unknown tie rule": {"tie_rule": "coin"},
    "unknown secrecy": {"secrecy": "public"},
    "unknown results visibility": {"results_visibility": "sometimes"},
    "secret with live results": {"secrecy": "secret", "results_visibility": "live"},
    "single with one option": {"kind": "single", "options": ["Only"]},
    "single with no options": {"kind": "single", "options": []},
    "single with blank options": {"kind": "single", "options": ["A", "  "]},
    "duplicate labels": {"kind": "single", "options": ["A", "B", "A"]},
    "duplicate after trimming": {"kind": "multiple", "options": ["A", " A "]},
    "too many options": {"kind": "single", "options": [f"O{i}" for i in range(101)]},
    "multiple with one option": {"kind": "multiple", "options": ["A"]},
    "multiple min above max": {
        "kind": "multiple",
        "options": ["A", "B", "C"],
        "min_choices": 3,
        "max_choices": 2,
    },
    "multiple max above options": {
        "kind": "multiple",
        "options": ["A", "B", "C"],
        "max_choices": 4,
    },
    "multiple max zero": {
        "kind": "multiple",
        "options": ["A", "B"],
        "min_choices": 0,
        "max_choices": 0,
    },
    "multiple min negative": {"kind": "multiple", "options": ["A", "B"], "min_choices": -1},
    "multiple min above options": {"kind": "multiple", "options": ["A", "B"], "min_choices": 3},
    "election without candidates": {"kind": "election", "options": []},
    "election seats above candidates": {"kind": "election", "options": ["A", "B"], "seats": 3},
    "election zero seats": {"kind": "election", "options": ["A", "B"], "seats": 0},
    "one-candidate election with two seats": {"kind": "election", "options": ["A"], "seats": 2},
}


@pytest.mark.parametrize("fields", INVALID_POLLS.values(), ids=INVALID_POLLS.keys())
def test_invalid_polls_are_refused_and_write_nothing(
    live_world: World, fields: dict[str, Any]
) -> None:
    data: dict[str, Any] = {"title": "Question?", "kind": "motion", **fields}
    with pytest.raises(InvalidInput) as refused:
        services.poll_create(actor=live_world.chair, meeting=live_world.meeting, **data)
    assert refused.value.message
    assert refused.value.status == 400
    assert not Poll.objects.exists()
    assert not PollOption.objects.exists()


def test_named_poll_may_show_live_results(make_poll: PollMaker) -> None:
    poll = make_poll(open_=False, secrecy="named", results_visibility="live")
    assert poll.live_results


def test_only_chair_or_an_officer_prepares(live_world: World) -> None:
    with pytest.raises(NotAllowed):
        services.poll_create(
            actor=live_world.voters[0], meeting=live_world.meeting, title="Q?", kind="motion"
        )
    with pytest.raises(NotAllowed):
        services.poll_create(
            actor=live_world.outsider, meeting=live_world.meeting, title="Q?", kind="motion"
        )
    with pytest.raises(NotAllowed):
        services.poll_create(
            actor=live_world.clerk, meeting=live_world.meeting, title="Q?", kind="motion"
        )
    poll = services.poll_create(
        actor=live_world.chair, meeting=live_world.meeting, title="Q?", kind="motion"
    )
    assert poll.created_by == live_world.chair


def test_agenda_item_must_belong_to_the_meeting(live_world: World) -> None:
    other = AgendaItemFactory.create(meeting=MeetingFactory.create(union=live_world.union))
    with pytest.raises(NotFound):
        services.poll_create(
            actor=live_world.chair,
            meeting=live_world.meeting,
            title="Q?",
            kind="motion",
            agenda_item_id=other.pk,
        )
    poll = services.poll_create(
        actor=live_world.chair,
        meeting=live_world.meeting,
        title="Q?",
        kind="motion",
        agenda_item_id=live_world.items[1].pk,
    )
    assert poll.agenda_item == live_world.items[1]


def test_no_polls_in_a_closed_meeting(live_world: World) -> None:
    closed = meeting_services.meeting_close(actor=live_world.chair, meeting=live_world.meeting)
    with pytest.raises(Conflict):
        services.poll_create(actor=live_world.chair, meeting=closed, title="Q?", kind="motion")


# --- the state machine ------------------------------------------------------------------


def test_open_only_from_draft(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll()
    assert poll.state == Poll.State.OPEN
    assert poll.opened_at is not None
    assert poll.closes_at is None
    with pytest.raises(Conflict, match="Only a draft"):
        services.poll_open(actor=live_world.chair, poll=poll)
    services.poll_close(actor=live_world.chair, poll=poll)
    with pytest.raises(Conflict, match="Only a draft"):
        services.poll_open(actor=live_world.chair, poll=poll)
    services.poll_publish(actor=live_world.chair, poll=poll)
    with pytest.raises(Conflict, match="Only a draft"):
        services.poll_open(actor=live_world.chair, poll=poll)
    cancelled = make_poll(open_=False, title="Cancelled")
    services.poll_cancel(actor=live_world.chair, poll=cancelled, reason="Withdrawn")
    with pytest.raises(Conflict, match="Only a draft"):
        services.poll_open(actor=live_world.chair, poll=cancelled)


def test_open_only_while_the_meeting_is_live(world: World) -> None:
    poll = services.poll_create(actor=world.chair, meeting=world.meeting, title="Q?", kind="motion")
    assert world.meeting.status == Meeting.Status.SCHEDULED
    with pytest.raises(Conflict, match="not live"):
        services.poll_open(actor=world.chair, poll=poll)
    assert not RollEntry.objects.exists()  # the roll is not frozen for a refused open
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    assert services.poll_open(actor=world.chair, poll=poll).state == Poll.State.OPEN


def test_only_the_chair_opens_closes_cancels_publishes(
    live_world: World, make_poll: PollMaker
) -> None:
    poll = make_poll(open_=False)
    voter = live_world.voters[0]
    with pytest.raises(NotAllowed):
        services.poll_open(actor=voter, poll=poll)
    with pytest.raises(NotAllowed):
        services.poll_open(actor=live_world.clerk, poll=poll)
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    with pytest.raises(NotAllowed):
        services.poll_close(actor=voter, poll=poll)
    with pytest.raises(NotAllowed):
        services.poll_cancel(actor=voter, poll=poll, reason="Mine")
    with pytest.raises(NotAllowed):
        services.poll_close(actor=live_world.clerk, poll=poll)
    services.poll_close(actor=live_world.chair, poll=poll)
    with pytest.raises(NotAllowed):
        services.poll_publish(actor=voter, poll=poll)


def test_one_open_poll_per_meeting(live_world: World, make_poll: PollMaker) -> None:
    first = make_poll(title="First")
    second = make_poll(open_=False, title="Second")
    with pytest.raises(Conflict, match="Another poll is open"):
        services.poll_open(actor=live_world.chair, poll=second)
    services.poll_close(actor=live_world.chair, poll=first)
    assert services.poll_open(actor=live_world.chair, poll=second).state == Poll.State.OPEN
    # Polls of another meeting do not count.
    other = MeetingFactory.create(union=live_world.union)
    ParticipantFactory.create(meeting=other, member=live_world.chair, role="chair")
    meeting_services.meeting_start(actor=live_world.chair, meeting=other)
    elsewhere = services.poll_create(
        actor=live_world.chair, meeting=other, title="Q?", kind="motion"
    )
    assert services.poll_open(actor=live_world.chair, poll=elsewhere).state == Poll.State.OPEN


def test_open_needs_someone_entitled(live_world: World, make_poll: PollMaker) -> None:
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=live_world.meeting, requires_presence=True
    )
    poll = make_poll(open_=False)
    with pytest.raises(Conflict, match="No one is entitled"):
        services.poll_open(actor=live_world.chair, poll=poll)
    poll.refresh_from_db()
    assert poll.state == Poll.State.DRAFT
    assert not RollEntry.objects.filter(poll=poll).exists()


@pytest.mark.parametrize("seconds", [0, 9, 24 * 3600 + 1, -5])
def test_voting_time_bounds(live_world: World, make_poll: PollMaker, seconds: int) -> None:
    poll = make_poll(open_=False)
    with pytest.raises(InvalidInput):
        services.poll_open(actor=live_world.chair, poll=poll, duration_seconds=seconds)
    poll.refresh_from_db()
    assert poll.state == Poll.State.DRAFT


def test_cancel_needs_a_reason_and_a_draft_or_open_poll(
    live_world: World, make_poll: PollMaker
) -> None:
    draft = make_poll(open_=False, title="Draft")
    for reason in ("", "   "):
        with pytest.raises(InvalidInput, match="reason"):
            services.poll_cancel(actor=live_world.chair, poll=draft, reason=reason)
    cancelled = services.poll_cancel(actor=live_world.chair, poll=draft, reason=" Withdrawn ")
    assert (cancelled.state, cancelled.cancel_reason) == (Poll.State.CANCELLED, "Withdrawn")
    with pytest.raises(Conflict):
        services.poll_cancel(actor=live_world.chair, poll=cancelled, reason="Again")

    open_ = make_poll(title="Open")
    cast(live_world, open_, 0, [option_id(open_, "Yes")])
    cancelled_open = services.poll_cancel(actor=live_world.chair, poll=open_, reason="Wrong text")
    assert cancelled_open.state == Poll.State.CANCELLED
    assert cancelled_open.result is None  # cancelled ballots are never counted
    assert Ballot.objects.filter(poll=open_).count() == 1  # but kept for the record
    with pytest.raises(Conflict, match="not open"):
        cast(live_world, open_, 1, [option_id(open_, "Yes")])

    closed = make_poll(title="Closed")
    services.poll_close(actor=live_world.chair, poll=closed)
    with pytest.raises(Conflict):
        services.poll_cancel(actor=live_world.chair, poll=closed, reason="Too late")
    services.poll_publish(actor=live_world.chair, poll=closed)
    with pytest.raises(Conflict):
        services.poll_cancel(actor=live_world.chair, poll=closed, reason="Too late")


def test_close_only_open_and_publish_only_closed(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    with pytest.raises(Conflict, match="Only an open poll"):
        services.poll_close(actor=live_world.chair, poll=poll)
    with pytest.raises(Conflict, match="Only a closed poll"):
        services.poll_publish(actor=live_world.chair, poll=poll)
    poll = services.poll_open(actor=live_world.chair, poll=poll)
    with pytest.raises(Conflict, match="Only a closed poll"):
        services.poll_publish(actor=live_world.chair, poll=poll)
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    with pytest.raises(Conflict, match="Only an open poll"):
        services.poll_close(actor=live_world.chair, poll=poll)
    published = services.poll_publish(actor=live_world.chair, poll=poll)
    assert published.state == Poll.State.PUBLISHED
    assert published.published_at is not None
    with pytest.raises(Conflict, match="Only a closed poll"):
        services.poll_publish(actor=live_world.chair, poll=poll)
    cancelled = make_poll(open_=False, title="Cancelled")
    services.poll_cancel(actor=live_world.chair, poll=cancelled, reason="Withdrawn")
    with pytest.raises(Conflict):
        services.poll_publish(actor=live_world.chair, poll=cancelled)
    with pytest.raises(Conflict):
        services.poll_close(actor=live_world.chair, poll=cancelled)


def test_chair_decides_a_tie_before_publishing(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(tie_rule="chair")
    yes, no = option_id(poll, "Yes"), option_id(poll, "No")
    cast(live_world, poll, 0, [yes])
    cast(live_world, poll, 1, [no])
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["tied"] == [yes]
    assert poll.result["carried"] is None
    with pytest.raises(Conflict, match="Decide the tie"):
        services.poll_publish(actor=live_world.chair, poll=poll)
    with pytest.raises(InvalidInput):
        services.poll_decide_tie(actor=live_world.chair, poll=poll, winners=[no])
    with pytest.raises(NotAllowed):
        services.poll_decide_tie(actor=live_world.voters[0], poll=poll, winners=[yes])
    decided = services.poll_decide_tie(actor=live_world.chair, poll=poll, winners=[])
    assert decided.result is not None
    assert decided.result["carried"] is False
    assert decided.result["tied"] == []
    assert decided.result["sentence"] == (
        "Tied: 1 yes, 1 no; more yes than no required; the chair decides. "
        "The chair decided: not carried."
    )
    assert decided.tie_decided_by == live_world.chair
    with pytest.raises(Conflict):  # decided once
        services.poll_decide_tie(actor=live_world.chair, poll=poll, winners=[yes])
    assert services.poll_publish(actor=live_world.chair, poll=poll).state == Poll.State.PUBLISHED


# --- multiple choice -------------------------------------------------------------------------


def test_multiple_choice_min_and_max(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(kind="multiple", options=["A", "B", "C", "D"], min_choices=2, max_choices=3)
    a, b, c, d = (option_id(poll, x) for x in "ABCD")
    abstain = option_id(poll, "Abstain")
    for choices in ([a], [a, b, c, d], [], [a, a], [a, abstain]):
        with pytest.raises(InvalidInput):
            cast(live_world, poll, 0, choices)
    assert not RollMark.objects.exists()
    code = receipt()
    first = services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[c, a], nonce=code
    )
    assert first.choices == sorted([a, c])
    # A resend listing the same choices in another order is the same ballot.
    again = services.ballot_cast(
        voter=live_world.voters[0], poll_id=poll.pk, choices=[a, c], nonce=code
    )
    assert (again.created, again.as_dict()) == (False, first.as_dict())
    assert cast(live_world, poll, 1, [a, b, d]).choices == sorted([a, b, d])
    assert cast(live_world, poll, 2, [abstain]).choices == [abstain]  # abstaining is valid
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None
    weights = {o["label"]: Decimal(o["weight"]) for o in poll.result["options"]}
    assert weights == {"A": 2, "B": 1, "C": 1, "D": 1, "Abstain": 1}
    # Simple majority over 2 valid ballots: only A is marked by more than not.
    assert poll.result["winners"] == [a]
    assert Decimal(poll.result["abstain_weight"]) == 1


def test_approval_voting_accepts_an_empty_ballot(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(kind="multiple", options=["A", "B", "C"], min_choices=0)
    assert (poll.min_choices, poll.max_choices) == (0, 3)
    a, b, c = (option_id(poll, x) for x in "ABC")
    empty = cast(live_world, poll, 0, [])
    assert empty.choices == []
    assert cast(live_world, poll, 1, [a, b, c]).choices == sorted([a, b, c])
    cast(live_world, poll, 2, [a])
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["ballots"] == 3
    # The empty ballot is valid, not an abstention.
    assert Decimal(poll.result["valid_weight"]) == 3
    assert Decimal(poll.result["abstain_weight"]) == 0
    assert poll.result["winners"] == [a]  # A: 2 of 3; B, C: 1 of 3


# --- elections -----------------------------------------------------------------------------


def test_election_with_n_seats(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(kind="election", options=["Lan", "Minh", "Hoa", "Tuấn"], seats=2)
    lan, minh, hoa, tuan = (option_id(poll, x) for x in ("Lan", "Minh", "Hoa", "Tuấn"))
    with pytest.raises(InvalidInput, match="between 1 and 2"):
        cast(live_world, poll, 0, [lan, minh, hoa])  # more than N
    with pytest.raises(InvalidInput):
        cast(live_world, poll, 0, [])
    cast(live_world, poll, 0, [lan, minh])
    cast(live_world, poll, 1, [lan, hoa])
    cast(live_world, poll, 2, [lan])  # up to N: one mark is fine
    services.ballot_cast(
        voter=live_world.chair, poll_id=poll.pk, choices=[minh, tuan], nonce=receipt()
    )
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["winners"] == [lan, minh]
    # Each name between Unicode isolates (voting.rules.isolate).
    n = {name: f"\u2068{name}\u2069" for name in ("Lan", "Minh", "Hoa", "Tuấn")}
    assert poll.result["sentence"] == (
        f"Elected: {n['Lan']}, {n['Minh']}. "
        f"Votes: {n['Lan']} 3; {n['Minh']} 2; {n['Hoa']} 1; {n['Tuấn']} 1."
    )


def test_one_candidate_election_is_yes_no_abstain(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(kind="election", options=["Lan"], majority="absolute")
    lan, no, abstain = (option_id(poll, x) for x in ("Lan", "No", "Abstain"))
    with pytest.raises(InvalidInput):
        cast(live_world, poll, 0, [lan, no])
    with pytest.raises(InvalidInput):
        cast(live_world, poll, 0, [])
    cast(live_world, poll, 0, [lan])
    cast(live_world, poll, 1, [lan])
    cast(live_world, poll, 2, [no])
    services.ballot_cast(
        voter=live_world.chair, poll_id=poll.pk, choices=[abstain], nonce=receipt()
    )
    poll = services.poll_close(actor=live_world.chair, poll=poll)
    assert poll.result is not None
    assert poll.result["carried"] is True
    assert poll.result["winners"] == [lan]
    assert poll.result["sentence"] == "Carried: 2 of 3 valid votes; more than half required 2."


# --- who may vote ----------------------------------------------------------------------------


def test_remote_voter_on_a_room_only_poll_is_refused(
    live_world: World, make_poll: PollMaker
) -> None:
    remote = live_world.participant(live_world.voters[0])
    Participant.objects.filter(pk=remote.pk).update(presence=Participant.Presence.REMOTE)
    poll = make_poll(allow_remote=False)
    assert not RollEntry.objects.filter(poll=poll, member=remote).exists()
    with pytest.raises(NotAllowed) as refused:
        cast(live_world, poll, 0, [option_id(poll, "Yes")])
    assert refused.value.message == (
        "This poll is for members in the room; remote members cannot vote."
    )
    assert refused.value.status == 403
    # Someone not on the roll at all is told so, with its own code.
    meeting_services.participant_update(
        actor=live_world.chair,
        participant=live_world.participant(live_world.voters[1]),
        role="observer",
    )
    later = make_poll(open_=False, title="Later")
    services.poll_close(actor=live_world.chair, poll=poll)
    later = services.poll_open(actor=live_world.chair, poll=later)
    with pytest.raises(NotAllowed) as not_on_roll:
        cast(live_world, later, 1, [option_id(later, "Yes")])
    assert not_on_roll.value.code == "not_on_roll"
    # The remote voter may vote on a poll that allows remote voting.
    assert cast(live_world, later, 0, [option_id(later, "Yes")]).created


def test_remote_delegate_on_a_room_only_poll_gets_the_same_message(
    live_world: World, make_poll: PollMaker
) -> None:
    a, b = (live_world.participant(v) for v in live_world.voters[:2])
    meeting_services.proxy_create(
        actor=live_world.chair, meeting=live_world.meeting, delegator=a, delegate=b
    )
    Participant.objects.filter(pk=b.pk).update(presence=Participant.Presence.REMOTE)
    poll = make_poll(allow_remote=False)
    assert not RollEntry.objects.filter(poll=poll, member__in=[a, b]).exists()
    with pytest.raises(NotAllowed, match="remote members cannot vote"):
        services.ballot_cast(
            voter=live_world.voters[1],
            poll_id=poll.pk,
            choices=[option_id(poll, "Yes")],
            nonce=receipt(),
            on_behalf_of=a.pk,
        )


def test_requires_presence_entitles_only_those_present(
    live_world: World, make_poll: PollMaker
) -> None:
    meeting = live_world.meeting
    meeting_services.meeting_voting_settings_update(
        actor=live_world.chair, meeting=meeting, requires_presence=True
    )
    chair = live_world.participant(live_world.chair)
    room, remote, absent = (live_world.participant(v) for v in live_world.voters)
    Participant.objects.filter(pk__in=[chair.pk, room.pk]).update(
        presence=Participant.Presence.ROOM
    )
    Participant.objects.filter(pk=remote.pk).update(presence=Participant.Presence.REMOTE)
    meeting_services.participant_update(actor=live_world.chair, participant=room, vote_weight="2.5")
    clerk = live_world.participant(live_world.clerk)
    Participant.objects.filter(pk=clerk.pk).update(presence=Participant.Presence.ROOM)

    everyone = make_poll(title="Everyone present")
    roll = dict(RollEntry.objects.filter(poll=everyone).values_list("member_id", "weight"))
    assert roll == {chair.pk: Decimal(1), room.pk: Decimal("2.5"), remote.pk: Decimal(1)}
    assert everyone.entitled_weight == Decimal("4.5")
    assert RollEntry.objects.get(poll=everyone, member=remote).remote is True
    with pytest.raises(NotAllowed) as refused:
        cast(live_world, everyone, 2, [option_id(everyone, "Yes")])
    assert refused.value.code == "not_on_roll"
    services.poll_close(actor=live_world.chair, poll=everyone)

    room_only = make_poll(title="Room only", allow_remote=False)
    roll = dict(RollEntry.objects.filter(poll=room_only).values_list("member_id", "weight"))
    assert roll == {chair.pk: Decimal(1), room.pk: Decimal("2.5")}
    # Checking in after the poll opened does not change its frozen roll.
    Participant.objects.filter(pk=absent.pk).update(presence=Participant.Presence.ROOM)
    with pytest.raises(NotAllowed):
        cast(live_world, room_only, 2, [option_id(room_only, "Yes")])


def test_no_poll_for_a_meeting_closed_since_it_was_read(live_world: World) -> None:
    stale = Meeting.objects.get(pk=live_world.meeting.pk)
    meeting_services.meeting_close(actor=live_world.chair, meeting=live_world.meeting)
    with pytest.raises(Conflict):
        services.poll_create(actor=live_world.chair, meeting=stale, title="Late", kind="motion")
    assert not Poll.objects.filter(title="Late").exists()


# --- editing a draft ------------------------------------------------------------------------


def test_a_draft_is_edited_field_by_field_under_the_rules_of_a_new_poll(
    live_world: World, make_poll: PollMaker
) -> None:
    poll = make_poll(open_=False, title="Budget?")
    item = live_world.items[1]
    edited = services.poll_update(
        actor=live_world.chair,
        poll=poll,
        title="  Venue of the congress ",
        kind="multiple",
        options=["Huế", "Hà Nội", "Đà Nẵng"],
        max_choices=2,
        secrecy="named",
        results_visibility="live",
        majority="absolute",
        agenda_item_id=item.pk,
        close_when_all_voted=True,
    )
    assert (edited.title, edited.kind, edited.min_choices, edited.max_choices) == (
        "Venue of the congress",
        "multiple",
        1,
        2,
    )
    assert edited.agenda_item_id == item.pk and edited.close_when_all_voted
    assert list(edited.options.order_by("position").values_list("label", "role")) == [
        ("Huế", "option"),
        ("Hà Nội", "option"),
        ("Đà Nẵng", "option"),
        ("Abstain", "abstain"),
    ]
    # Fields left out keep their value; a bad combination changes nothing.
    with pytest.raises(InvalidInput):
        services.poll_update(actor=live_world.chair, poll=poll, secrecy="secret")
    with pytest.raises(InvalidInput):
        services.poll_update(actor=live_world.chair, poll=poll, max_choices=5)
    with pytest.raises(InvalidInput):
        services.poll_update(actor=live_world.chair, poll=poll, state="open")
    poll.refresh_from_db()
    assert (poll.secrecy, poll.max_choices) == ("named", 2)
    # Back to a motion: Yes / No / Abstain again.
    motion = services.poll_update(actor=live_world.chair, poll=poll, kind="motion")
    assert list(motion.options.values_list("label", flat=True)) == ["Yes", "No", "Abstain"]
    assert (
        MeetingEvent.objects.filter(meeting=live_world.meeting, action="poll.updated").count() == 2
    )


def test_only_a_draft_is_edited_and_only_by_who_prepares(
    live_world: World, make_poll: PollMaker
) -> None:
    draft = make_poll(open_=False)
    with pytest.raises(NotAllowed):
        services.poll_update(actor=live_world.clerk, poll=draft, title="Mine")
    opened = make_poll(title="Open one")
    with pytest.raises(Conflict, match="Only a draft"):
        services.poll_update(actor=live_world.chair, poll=opened, title="Changed")
    opened.refresh_from_db()
    assert opened.title == "Open one"


def test_a_draft_is_edited_over_the_api(live_world: World, make_poll: PollMaker) -> None:
    poll = make_poll(open_=False)
    url = f"/api/polls/{poll.pk}/"
    response = client_for(live_world.chair).patch(
        url, {"title": "Adopt the amended budget?", "secrecy": "named"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["secrecy"]) == (
        "Adopt the amended budget?",
        "named",
    )
    assert_error(client_for(live_world.clerk).patch(url, {"title": "X"}, format="json"), 403)
    assert_error(client_for(live_world.chair).patch(url, {"kind": "dance"}, format="json"), 400)
