"""Motions over the meeting socket, through the real ASGI stack: the snapshot
part, `motion.support` and `motion.project` commands, refusals as error
frames, and `motions.changed` when a poll's close decides a motion."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from motions import services
from motions.models import Motion
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory, ParticipantFactory
from tests.live.test_consumer import (  # noqa: F401  (fixtures)
    live_world,
    member_socket,
    socket_layer,
    socket_test,
)
from tests.motions.conftest import TEXT, vote_and_close


def _submit(world: World) -> Motion:
    return services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="Living wage", text=TEXT
    )


async def _frames(socket: Any, count: int) -> list[dict[str, Any]]:
    return [await socket.receive() for _ in range(count)]


@socket_test
async def test_support_over_the_socket_reaches_everyone(live_world: World) -> None:  # noqa: F811
    world = live_world
    motion = await sync_to_async(_submit)(world)
    async with (
        await member_socket(world, world.voters[1]) as phone,
        await member_socket(world, world.chair) as chair,
    ):
        snapshot = await phone.receive()
        await chair.receive()
        assert [m["title"] for m in snapshot["motions"]] == ["Living wage"]
        assert snapshot["motion_projection"] is None
        await phone.send({"type": "motion.support", "motion_id": motion.pk, "ref": 1})
        frames = await _frames(phone, 2)
        ack = next(f for f in frames if f["type"] == "ack")
        assert ack == {
            "type": "ack",
            "for": "motion.support",
            "ref": 1,
            "motion_id": motion.pk,
            "support": True,
        }
        event = next(f for f in frames if f["type"] == "motions.changed")
        assert event["seq"] == snapshot["seq"] + 1
        assert event["motions"][0]["admissible"] is True
        assert await chair.receive() == event


@socket_test
async def test_refusals_are_error_frames(live_world: World) -> None:  # noqa: F811
    world = live_world
    motion = await sync_to_async(_submit)(world)

    def observer() -> Any:
        member = MemberFactory.create()
        MembershipFactory.create(member=member, union=world.union)
        ParticipantFactory.create(meeting=world.meeting, member=member, role="observer")
        return member

    watcher = await sync_to_async(observer)()
    async with (
        await member_socket(world, watcher) as phone,
        await member_socket(world, world.voters[0]) as submitter,
    ):
        await phone.receive()
        await submitter.receive()
        await phone.send({"type": "motion.support", "motion_id": motion.pk, "ref": "a"})
        error = await phone.receive()
        assert (error["type"], error["code"], error["ref"]) == ("error", "forbidden", "a")
        await submitter.send({"type": "motion.support", "motion_id": motion.pk})
        assert (await submitter.receive())["code"] == "conflict"
        await submitter.send({"type": "motion.support", "motion_id": "x"})
        assert (await submitter.receive())["code"] == "invalid"
        await submitter.send({"type": "motion.project", "motion_id": motion.pk})
        assert (await submitter.receive())["code"] == "forbidden"
        await submitter.assert_open()


@socket_test
async def test_projection_and_a_carried_motion_reach_the_projector(
    live_world: World,  # noqa: F811
) -> None:
    world = live_world

    def prepare() -> Motion:
        motion = _submit(world)
        services.motion_support(actor=world.voters[1], motion=motion)
        return services.motion_admit(
            actor=world.chair, motion=motion, agenda_item_id=world.items[0].pk
        )

    motion = await sync_to_async(prepare)()
    async with await member_socket(world, world.chair) as chair:
        await chair.receive()
        await chair.send({"type": "motion.project", "motion_id": motion.pk, "ref": 2})
        frames = await _frames(chair, 2)
        shown = next(f for f in frames if f["type"] == "motion.projected")
        assert shown["motion_projection"] == {"motion_id": motion.pk, "amendment_id": None}

        def carry() -> None:
            voted = services.motion_put_to_vote(actor=world.chair, motion=motion)
            assert voted.poll is not None
            vote_and_close(world, voted.poll, "Yes")

        await sync_to_async(carry)()
        states = []
        for _ in range(30):
            frame = await chair.receive()
            if frame["type"] == "motions.changed":
                states.append(frame["motions"][0]["state"])
                if states[-1] == "carried":
                    break
        assert states == ["voting", "carried"]
        assert frame["motions"][0]["final"]["text"] == TEXT
