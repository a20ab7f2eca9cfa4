"""A whole small meeting to take minutes of: attendance in the room and
remote, a proxy, speeches, a carried motion, a named poll and a secret one,
then closed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from meetings import attendance
from meetings import services as meeting_services
from meetings.models import Meeting, Member
from minutes import services
from motions import services as motion_services
from speakers import services as speaker_services
from tests.conftest import World, build_world
from tests.motions.conftest import admitted_motion, vote_and_close
from tests.voting.conftest import receipt
from voting import services as voting_services
from voting.models import Poll


@dataclass
class Held:
    world: World
    motion_poll: Poll
    budget_poll: Poll


def hold_meeting(world: World, *, close: bool = True) -> Held:
    """Run the world's meeting from start to close (or leave it live)."""
    meeting = world.meeting
    Meeting.objects.filter(pk=meeting.pk).update(allow_remote_participation=True)
    meeting.refresh_from_db()
    meeting_services.meeting_start(actor=world.chair, meeting=meeting)
    first, second, third = world.voters[:3]
    attendance.participant_check_in(actor=world.clerk, participant=world.participant(world.chair))
    attendance.participant_check_in(actor=world.clerk, participant=world.participant(first))
    attendance.remote_presence_confirm(actor=second, meeting=meeting)
    # Item 1: a speech and a motion that carries.
    speech = speaker_services.speech_request(actor=first, meeting=meeting)
    speaker_services.speaker_call(actor=world.chair, meeting=meeting, speech_id=speech.pk)
    speaker_services.speaker_start(actor=world.chair, meeting=meeting)
    speaker_services.speaker_stop(actor=world.chair, meeting=meeting)
    motion = admitted_motion(world)
    motion = motion_services.motion_put_to_vote(actor=world.chair, motion=motion)
    assert motion.poll is not None
    motion_poll = vote_and_close(world, motion.poll, "Yes")
    # Item 2: a proxy handed in, then a secret poll on the budget.
    meeting_services.proxy_create(
        actor=world.clerk,
        meeting=meeting,
        delegator=world.participant(third),
        delegate=world.participant(first),
    )
    meeting_services.agenda_advance(actor=world.chair, meeting=meeting, direction="next")
    budget = voting_services.poll_create(
        actor=world.chair,
        meeting=meeting,
        title="Adopt the budget?",
        kind="motion",
        agenda_item_id=world.items[1].pk,
    )
    budget = voting_services.poll_open(actor=world.chair, poll=budget)
    yes, no = budget.options.get(role="yes").pk, budget.options.get(role="no").pk
    voters: list[Member] = [world.chair, first, second]
    for voter, choice in zip(voters, [yes, yes, no], strict=True):
        voting_services.ballot_cast(
            voter=voter, poll_id=budget.pk, choices=[choice], nonce=receipt()
        )
    budget = voting_services.poll_close(actor=world.chair, poll=budget)
    if close:
        meeting_services.meeting_close(actor=world.chair, meeting=meeting)
    meeting.refresh_from_db()
    motion_poll.refresh_from_db()
    budget.refresh_from_db()
    return Held(world, motion_poll, budget)


@pytest.fixture
def held(db: None) -> Held:
    return hold_meeting(build_world(voters=4, items=3))


def note(held: Held, item: int, text: str) -> None:
    services.minutes_note_save(
        actor=held.world.clerk,
        meeting=held.world.meeting,
        agenda_item_id=held.world.items[item].pk,
        text=text,
    )
