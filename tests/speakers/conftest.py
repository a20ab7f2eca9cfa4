"""A live meeting on its first item, with a few voters and an observer."""

from __future__ import annotations

import pytest

from meetings import services as meeting_services
from meetings.models import Member, Participant
from tests.conftest import World, build_world
from tests.factories import MemberFactory, MembershipFactory, ParticipantFactory

# The socket tests' fixtures (Redis layer under CI, a live meeting).
from tests.live.test_consumer import live_world, socket_layer  # noqa: F401


def start(world: World) -> World:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


def observer_of(world: World) -> Member:
    member = MemberFactory.create(full_name="Observer Lý")
    MembershipFactory.create(member=member, union=world.union)
    ParticipantFactory.create(meeting=world.meeting, member=member, role=Participant.Role.OBSERVER)
    return member


@pytest.fixture
def live(db) -> World:  # type: ignore[no-untyped-def]
    return start(build_world(voters=4))
