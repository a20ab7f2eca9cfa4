"""Fixtures for motions: a live meeting, motions, and votes that carry or fail."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from meetings import services as meeting_services
from meetings.models import Member, Participant
from motions import services
from motions.models import Amendment, Motion
from tests.conftest import World
from tests.voting.conftest import receipt
from voting import services as voting_services
from voting.models import Poll

TEXT = "The union demands a living wage.\n\nThe executive shall negotiate.\n\nReport by June."


@pytest.fixture
def live_world(world: World) -> World:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


def admitted_motion(world: World, *, text: str = TEXT) -> Motion:
    """A motion by the first voter, supported by the second, admitted to item 1."""
    motion = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="Living wage", text=text
    )
    services.motion_support(actor=world.voters[1], motion=motion)
    return services.motion_admit(actor=world.chair, motion=motion, agenda_item_id=world.items[0].pk)


def vote_and_close(world: World, poll: Poll, choice: str) -> Poll:
    """Every voter on the roll votes `choice`; the chair closes the poll."""
    option = poll.options.get(label=choice).pk
    voters: list[Member] = [world.chair, *world.voters]
    for voter in voters:
        voting_services.ballot_cast(voter=voter, poll_id=poll.pk, choices=[option], nonce=receipt())
    return voting_services.poll_close(actor=world.chair, poll=poll)


Carry = Callable[[Amendment | Motion, str], None]


@pytest.fixture
def decide(live_world: World) -> Carry:
    """Put an amendment or a motion to the vote and close it with `choice`."""

    def run(subject: Amendment | Motion, choice: str) -> None:
        if isinstance(subject, Amendment):
            subject = services.amendment_put_to_vote(actor=live_world.chair, amendment=subject)
        else:
            subject = services.motion_put_to_vote(actor=live_world.chair, motion=subject)
        assert subject.poll is not None
        vote_and_close(live_world, subject.poll, choice)

    return run


def make_observer(world: World) -> Member:
    from tests.factories import MemberFactory, MembershipFactory, ParticipantFactory

    member = MemberFactory.create(full_name="Observer Lý")
    MembershipFactory.create(member=member, union=world.union)
    ParticipantFactory.create(meeting=world.meeting, member=member, role=Participant.Role.OBSERVER)
    return member
