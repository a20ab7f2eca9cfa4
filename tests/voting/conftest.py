"""Fixtures for voting: a live meeting and a poll builder."""

from __future__ import annotations

import secrets
from base64 import b32encode
from collections.abc import Callable
from typing import Any

import pytest

from meetings import services as meeting_services
from tests.conftest import World
from voting import services
from voting.models import Poll

PollMaker = Callable[..., Poll]


def receipt() -> str:
    """A receipt code as a phone draws it: 80 random bits in base32."""
    return b32encode(secrets.token_bytes(10)).decode()


@pytest.fixture
def live_world(world: World) -> World:
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


@pytest.fixture
def make_poll(live_world: World) -> PollMaker:
    def make(open_: bool = True, **fields: Any) -> Poll:
        fields.setdefault("title", "Adopt the budget?")
        fields.setdefault("kind", "motion")
        poll = services.poll_create(actor=live_world.chair, meeting=live_world.meeting, **fields)
        if open_:
            poll = services.poll_open(actor=live_world.chair, poll=poll)
        return poll

    return make


def option_id(poll: Poll, label: str) -> int:
    return poll.options.get(label=label).pk
