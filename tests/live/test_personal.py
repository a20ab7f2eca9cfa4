"""A member's own state reaches their own screens when it changes (live.personal):
checked in by a clerk, given a weight, handed a proxy. No one else's socket
gets it, and the HTTP follow endpoint keeps it for that member only."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from channels.db import database_sync_to_async

from live import personal
from live.follow import Buffer
from meetings import attendance
from meetings import services as meeting_services
from meetings.selectors import Viewer
from tests.conftest import World
from tests.live.test_consumer import Socket, member_socket, socket_test
from voting import services as voting_services
from voting.models import Poll


async def next_frame_of(socket: Socket, kind: str) -> dict[str, Any]:
    """The next frame of type `kind`, past coalesced updates that may come first."""
    while True:
        frame = await socket.receive()
        if frame["type"] == kind:
            return frame


async def gets_nothing_personal(socket: Socket) -> None:
    """Every frame up to the pong of a ping is someone else's or the crowd's."""
    await socket.send({"type": "ping", "ref": "fence"})
    while (frame := await socket.receive())["type"] != "pong":
        assert frame["type"] != "me.changed", frame


@socket_test
async def test_check_in_by_the_clerk_reaches_the_members_own_phone(live_world: World) -> None:
    world = live_world
    anna, ben = world.voters[0], world.voters[1]
    async with await member_socket(world, anna) as mine, await member_socket(world, ben) as theirs:
        snapshot = await mine.receive()
        assert snapshot["my_presence"] == "absent"
        await theirs.receive()
        await database_sync_to_async(attendance.participant_check_in)(
            actor=world.clerk, participant=await database_sync_to_async(world.participant)(anna)
        )
        frame = await next_frame_of(mine, "me.changed")
        participant = await database_sync_to_async(world.participant)(anna)
        assert frame["participant_id"] == participant.pk
        assert frame["me"]["my_presence"] == "room"
        assert frame["me"]["viewer"]["participant_id"] == participant.pk
        await gets_nothing_personal(theirs)


@socket_test
async def test_weight_and_proxy_reach_both_members(live_world: World) -> None:
    world = live_world
    anna, ben, cleo = world.voters[0], world.voters[1], world.voters[2]

    def change() -> None:
        giver, carrier = world.participant(anna), world.participant(ben)
        meeting_services.participant_update(
            actor=world.chair, participant=giver, vote_weight=Decimal("2.5")
        )
        meeting_services.proxy_create(
            actor=world.chair, meeting=world.meeting, delegator=giver, delegate=carrier
        )

    async with (
        await member_socket(world, anna) as giver,
        await member_socket(world, ben) as carrier,
        await member_socket(world, cleo) as bystander,
    ):
        for socket in (giver, carrier, bystander):
            await socket.receive()
        await database_sync_to_async(change)()
        weighted = await next_frame_of(giver, "me.changed")
        assert Decimal(weighted["me"]["my_weight"]) == Decimal("2.5")
        after_proxy = await next_frame_of(giver, "me.changed")
        assert after_proxy["me"]["my_proxies"] == []
        carried = await next_frame_of(carrier, "me.changed")
        name = await database_sync_to_async(lambda: world.participant(anna).member.full_name)()
        assert [p["name"] for p in carried["me"]["my_proxies"]] == [name]
        assert Decimal(carried["me"]["my_proxies"][0]["weight"]) == Decimal("2.5")
        await gets_nothing_personal(bystander)


@socket_test
async def test_tellers_named_renamed_and_cancelled_see_their_links_change(
    live_world: World,
) -> None:
    world = live_world
    anna, ben, cleo = world.voters[:3]

    def draft_with_tellers(*members: Any) -> int:
        poll = voting_services.poll_create(
            actor=world.chair,
            meeting=world.meeting,
            title="Elect the treasurer",
            kind="motion",
            secrecy="secret",
        )
        voting_services.tellers_appoint(
            actor=world.chair,
            poll=poll,
            participant_ids=[world.participant(m).pk for m in members],
            threshold=2,
        )
        return poll.pk

    def rename(poll_id: int, *members: Any) -> None:
        voting_services.tellers_appoint(
            actor=world.chair,
            poll=Poll.objects.get(pk=poll_id),
            participant_ids=[world.participant(m).pk for m in members],
            threshold=2,
        )

    def cancel(poll_id: int) -> None:
        voting_services.poll_cancel(
            actor=world.chair, poll=Poll.objects.get(pk=poll_id), reason="No tellers after all"
        )

    async with (
        await member_socket(world, anna) as teller,
        await member_socket(world, ben) as replaced,
        await member_socket(world, cleo) as bystander,
    ):
        for socket in (teller, replaced, bystander):
            assert (await socket.receive())["my_teller_polls"] == []
        poll_id = await database_sync_to_async(draft_with_tellers)(anna, ben, world.clerk)
        mine = await next_frame_of(teller, "me.changed")
        assert mine["me"]["my_teller_polls"] == [{"id": poll_id, "title": "Elect the treasurer"}]
        assert (await next_frame_of(replaced, "me.changed"))["me"]["my_teller_polls"] != []
        # Named again without Ben: his link goes, Anna keeps hers.
        await database_sync_to_async(rename)(poll_id, anna, world.clerk, world.chair)
        assert (await next_frame_of(replaced, "me.changed"))["me"]["my_teller_polls"] == []
        kept = await next_frame_of(teller, "me.changed")
        assert [p["id"] for p in kept["me"]["my_teller_polls"]] == [poll_id]
        await database_sync_to_async(cancel)(poll_id)
        assert (await next_frame_of(teller, "me.changed"))["me"]["my_teller_polls"] == []
        await gets_nothing_personal(bystander)


def test_the_follow_buffer_keeps_a_personal_update_for_its_member(live_world: World) -> None:
    anna, ben = (live_world.participant(v) for v in live_world.voters[:2])
    buffer = Buffer("meeting.1.members")
    text = f'{{"type":"me.changed","participant_id":{anna.pk}}}'
    message = {"type": "meeting.event", "text": text, "to": anna.pk}
    asyncio.run(buffer.deliver(message))
    mine = Viewer(role=anna.role, participant=anna)
    theirs = Viewer(role=ben.role, participant=ben)
    assert [latest.to for latest in buffer.coalesced_since(0, mine)] == [anna.pk]
    assert buffer.coalesced_since(0, theirs) == []
    assert personal.is_for(message, anna.pk) and not personal.is_for(message, ben.pk)
