"""The speakers' list over the meeting socket (WebsocketCommunicator)."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from meetings import services as meeting_services
from speakers.selectors import members_list
from tests.conftest import World
from tests.live.test_consumer import member_socket, open_socket, socket_test
from tests.speakers.conftest import observer_of


@pytest.fixture
def started(live_world: World) -> World:
    """live_world is started already: item 1 is current."""
    return live_world


async def frames_until(socket: Any, kind: str) -> list[dict[str, Any]]:
    """Frames up to and including the first of `kind`."""
    frames = []
    while True:
        frame = await socket.receive()
        frames.append(frame)
        if frame["type"] == kind:
            return frames


@socket_test
async def test_a_request_reaches_every_audience_and_a_point_of_order_jumps(
    started: World,
) -> None:
    world = started
    item = world.items[0].pk
    token = await sync_to_async(meeting_services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    async with (
        await member_socket(world, world.chair) as chair,
        await member_socket(world, world.voters[0]) as phone,
        await member_socket(world, world.voters[1]) as other,
        open_socket(world.meeting.pk, projector=token) as projector,
    ):
        snapshots = [await s.receive() for s in (chair, phone, other, projector)]
        assert all(s["speakers"]["lists"] == {} for s in snapshots)
        await phone.send({"type": "speaker.request", "kind": "speak", "ref": 1})
        frames = await frames_until(phone, "speakers.changed")
        ack = next(f for f in frames if f["type"] == "ack")
        assert ack["for"] == "speaker.request" and ack["ref"] == 1
        event = frames[-1]
        assert event["agenda_item_id"] == item
        assert [s["id"] for s in event["list"]["waiting"]] == [ack["speech_id"]]
        assert await other.receive() == event
        # Members get the short form (no history, short queue entries); the
        # chair and the projector the whole list, under the same number.
        assert "done" not in event["list"]
        assert set(event["list"]["waiting"][0]) == {
            "id", "participant_id", "name", "kind", "number"
        }  # fmt: skip
        for socket in (chair, projector):
            whole = await socket.receive()
            assert whole["seq"] == event["seq"] and whole["list"]["done"] == []
            assert whole["list"]["waiting"][0]["requested_at"]
            assert members_list(whole["list"]) == event["list"]

        await other.send({"type": "speaker.request", "kind": "point_of_order", "ref": 2})
        event = (await frames_until(other, "speakers.changed"))[-1]
        assert [s["kind"] for s in event["list"]["waiting"]] == ["point_of_order", "speak"]
        assert (await phone.receive()) == event
        await chair.receive()
        await projector.receive()

        await chair.send({"type": "speaker.call", "ref": 3})
        event = (await frames_until(chair, "speakers.changed"))[-1]
        assert event["list"]["current"]["kind"] == "point_of_order"
        assert await projector.receive() == event
        await chair.send({"type": "speaker.start", "ref": 4})
        event = (await frames_until(chair, "speakers.changed"))[-1]
        assert event["list"]["current"]["running_since"] is not None
        assert event["list"]["current"]["time_limit"] == 180


@socket_test
async def test_refusals_are_error_frames(started: World) -> None:
    world = started
    observer = await sync_to_async(observer_of)(world)
    async with (
        await member_socket(world, observer) as watcher,
        await member_socket(world, world.voters[0]) as phone,
    ):
        await watcher.receive()
        await phone.receive()
        await watcher.send({"type": "speaker.request", "ref": "a"})
        error = await watcher.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "forbidden", "a")
        bad: list[tuple[dict[str, Any], str]] = [
            ({"type": "speaker.call"}, "forbidden"),
            ({"type": "speaker.withdraw", "speech_id": "7"}, "invalid"),
            ({"type": "speaker.withdraw", "speech_id": 999}, "not_found"),
            ({"type": "speakers.reorder", "speech_ids": [True]}, "invalid"),
            ({"type": "speakers.close", "closed": "yes"}, "invalid"),
            ({"type": "speaker.request", "kind": "shout"}, "invalid"),
        ]
        for message, code in bad:
            await phone.send(message)
            error = await phone.receive()
            assert (error["type"], error["code"]) == ("error", code), message
