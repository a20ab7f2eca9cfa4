"""Voting over the meeting socket, through the real ASGI stack: `ballot.cast`,
error frames, coalesced `poll.turnout` updates, `poll.changed` events and the
voting part of the snapshot.

Ballots are cast while the consumer's event loop (the test's loop, which
live.coalesce remembers on connect) is running, so the coalescer under
test is the one that serves the sockets.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import connection

from live import coalesce
from live.events import Audience
from live.snapshot import build_snapshot
from meetings import services as meeting_services
from meetings.models import Member
from meetings.selectors import PROJECTOR_VIEWER, Viewer, participant_for
from tests.conftest import IN_CI, World, build_world
from tests.live.test_consumer import Socket, member_socket, open_socket, socket_test
from tests.voting.conftest import receipt, signed_entry
from tests.voting.test_concurrency import add_voters
from voting import services, turnout
from voting.models import Ballot, Poll
from voting.selectors import voting_snapshot

# Bounds how long a broken test waits; never a latency check.
SETTLE = 3.0


@pytest.fixture
def socket_layer(request: pytest.FixtureRequest, settings: Any) -> None:
    """As tests/live/test_consumer.py: Redis whenever REDIS_URL is set (and
    always under CI=true), else the in-memory layer. On Redis, with a prefix
    of this process's own, so that test runs sharing one Redis server do not
    hear each other's groups (meeting ids repeat across test databases)."""
    if os.environ.get("REDIS_URL") or IN_CI:
        request.getfixturevalue("redis_layer")
        layer = settings.CHANNEL_LAYERS["default"]
        settings.CHANNEL_LAYERS = {
            "default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": f"vt{os.getpid()}"}}
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()


@pytest.fixture
def sworld(transactional_db: None) -> World:
    """A live meeting (chair, clerk, three voters), committed for the consumer."""
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    return world


def create_poll(world: World, **fields: Any) -> Poll:
    fields.setdefault("title", "Adopt the budget?")
    fields.setdefault("kind", "motion")
    return services.poll_create(actor=world.chair, meeting=world.meeting, **fields)


async def new_draft(world: World, **fields: Any) -> Poll:
    poll: Poll = await database_sync_to_async(create_poll)(world, **fields)
    return poll


def open_poll(world: World, poll: Poll) -> Poll:
    return services.poll_open(actor=world.chair, poll=poll)


def options_of(poll: Poll) -> dict[str, int]:
    return {o.label: o.pk for o in poll.options.all()}


async def projector_socket(world: World) -> Any:
    token = await database_sync_to_async(meeting_services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    return open_socket(world.meeting.pk, projector=token)


async def receive_until(
    socket: Socket, done: Callable[[dict[str, Any]], bool]
) -> list[dict[str, Any]]:
    """Every frame up to and including the first for which `done` holds."""
    frames = []
    while True:
        frame = await socket.receive()
        frames.append(frame)
        if done(frame):
            return frames


async def drain(socket: Socket, seconds: float) -> list[dict[str, Any]]:
    """Whatever else arrives within `seconds` (used to show nothing more comes)."""
    frames = []
    while not await socket.communicator.receive_nothing(timeout=seconds, interval=0.02):
        frames.append(await socket.receive())
    return frames


async def still_open(socket: Socket) -> None:
    """A ping is still answered (turnout updates may arrive in between)."""
    await socket.send({"type": "ping", "ref": "still-there"})
    pong = await receive_until(socket, lambda f: f["type"] == "pong")
    assert pong[-1] == {"type": "pong", "ref": "still-there"}


def turnouts(frames: list[dict[str, Any]], poll_id: int) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "poll.turnout" and f["poll_id"] == poll_id]


# --- ballot.cast ---------------------------------------------------------------------------


@socket_test
async def test_ballot_cast_over_the_socket_and_resend(sworld: World) -> None:
    poll = await database_sync_to_async(create_poll)(sworld, secrecy="named")
    poll = await database_sync_to_async(open_poll)(sworld, poll)
    yes = (await database_sync_to_async(options_of)(poll))["Yes"]
    code = receipt()
    async with await member_socket(sworld, sworld.voters[0]) as socket:
        await socket.receive()  # snapshot
        message = {"type": "ballot.cast", "poll_id": poll.pk, "choices": [yes]}
        await socket.send({**message, "nonce": code, "ref": "b1"})
        ack = await receive_until(socket, lambda f: f["type"] == "ack")
        issued = ack[-1]["receipt"]["receipt_code"]
        assert re.fullmatch(r"[A-Z2-7]{16}", issued) and issued != code  # the server's
        expected = {
            "poll_id": poll.pk,
            "receipt_code": issued,
            "choices": [yes],
            "weight": "1.0000",
            "on_behalf_of": None,
        }
        assert ack[-1]["ref"] == "b1"
        voter = await database_sync_to_async(sworld.participant)(sworld.voters[0])
        assert signed_entry(ack[-1]["receipt"], poll, voter=voter.pk) == expected
        # A resend (the phone lost the ack) with the nonce, however spelt,
        # gets the very same receipt.
        spaced = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
        await socket.send({**message, "nonce": spaced, "ref": "b2"})
        again = await receive_until(socket, lambda f: f["type"] == "ack")
        assert again[-1]["receipt"] == ack[-1]["receipt"]
        assert again[-1]["ref"] == "b2"
        # A new nonce for the same voter is refused; the socket stays open.
        await socket.send({**message, "nonce": receipt(), "ref": "b3"})
        error = await receive_until(socket, lambda f: f["type"] == "error")
        assert (error[-1]["code"], error[-1]["ref"]) == ("already_voted", "b3")
        await still_open(socket)
    assert await database_sync_to_async(Ballot.objects.filter(poll=poll).count)() == 1


def encrypted_poll(world: World) -> tuple[Poll, dict[str, Any]]:
    """An open encrypted motion (3 tellers, k = 2) and a ballot of voter 0's."""
    from tests.voting.tellers_helpers import TellerPlayer, phone_ballot, play_ceremony
    from voting.models import RollEntry

    poll = create_poll(world, title="Encrypted")
    members = [world.clerk, world.voters[1], world.voters[2]]
    services.tellers_appoint(
        actor=world.chair,
        poll=poll,
        participant_ids=[world.participant(m).pk for m in members],
        threshold=2,
    )
    players = [TellerPlayer(poll.pk, i, 2, m) for i, m in enumerate(members, start=1)]
    play_ceremony(Poll.objects.get(pk=poll.pk), players)
    poll = open_poll(world, Poll.objects.get(pk=poll.pk))
    entry = RollEntry.objects.get(poll=poll, member__member=world.voters[0])
    nonce = receipt()
    return poll, {"ballot": phone_ballot(poll, entry, nonce, ["Yes"]), "nonce": nonce}


@socket_test
async def test_encrypted_ballot_over_the_socket_and_resend(sworld: World) -> None:
    poll, fields = await database_sync_to_async(encrypted_poll)(sworld)
    async with await member_socket(sworld, sworld.voters[0]) as socket:
        await socket.receive()  # snapshot
        message = {"type": "ballot.cast_encrypted", "poll_id": poll.pk, **fields}
        await socket.send({**message, "ref": "e1"})
        ack = await receive_until(socket, lambda f: f["type"] == "ack")
        assert len(ack[-1]["receipt"]["receipt_code"]) == 64 and ack[-1]["ref"] == "e1"
        await socket.send({**message, "ref": "e2"})
        again = await receive_until(socket, lambda f: f["type"] == "ack")
        assert again[-1]["receipt"] == ack[-1]["receipt"]
        # A plain ballot on an encrypted poll is refused; the socket stays open.
        yes = (await database_sync_to_async(options_of)(poll))["Yes"]
        await socket.send(
            {"type": "ballot.cast", "poll_id": poll.pk, "choices": [yes], "nonce": receipt()}
        )
        error = await receive_until(socket, lambda f: f["type"] == "error")
        assert error[-1]["code"] == "encrypted_only"
        await still_open(socket)
    assert await database_sync_to_async(Ballot.objects.filter(poll=poll).count)() == 1


def refusals(world: World) -> tuple[Poll, Poll, dict[str, int]]:
    draft = create_poll(world, title="Draft")
    poll = open_poll(world, create_poll(world, title="Open"))
    return draft, poll, options_of(poll)


@socket_test
async def test_refused_ballots_are_error_frames_and_the_socket_stays_open(
    sworld: World,
) -> None:
    draft, poll, options = await database_sync_to_async(refusals)(sworld)
    other = await database_sync_to_async(build_world)()
    other_poll = await database_sync_to_async(create_poll)(other)
    other_voter = await database_sync_to_async(sworld.participant)(sworld.voters[1])
    yes = options["Yes"]
    cases: list[tuple[Member, dict[str, Any], str]] = [
        (sworld.voters[0], {"poll_id": draft.pk, "choices": [yes]}, "poll_not_open"),
        (sworld.clerk, {"poll_id": poll.pk, "choices": [yes]}, "not_on_roll"),
        (sworld.voters[0], {"poll_id": poll.pk, "choices": [10**9]}, "invalid"),
        (sworld.voters[0], {"poll_id": poll.pk, "choices": [yes, options["No"]]}, "invalid"),
        (sworld.voters[0], {"poll_id": poll.pk, "choices": "yes"}, "invalid"),
        (
            sworld.voters[0],
            {"poll_id": poll.pk, "choices": [yes], "nonce": "0OI1"},
            "invalid",
        ),
        (sworld.voters[0], {"poll_id": poll.pk, "choices": [yes], "nonce": ""}, "invalid"),
        (sworld.voters[0], {"poll_id": "five", "choices": [yes]}, "invalid"),
        (sworld.voters[0], {"poll_id": other_poll.pk, "choices": [yes]}, "not_found"),
        (sworld.voters[0], {"choices": [yes]}, "not_found"),
        (
            sworld.voters[0],
            {"poll_id": poll.pk, "choices": [yes], "on_behalf_of": other_voter.pk},
            "forbidden",
        ),
    ]
    for member in (sworld.voters[0], sworld.clerk):
        async with await member_socket(sworld, member) as socket:
            await socket.receive()
            for ref, (who, fields, code) in enumerate(cases):
                if who != member:
                    continue
                frame = {"type": "ballot.cast", "nonce": receipt(), "ref": ref, **fields}
                await socket.send(frame)
                error = await receive_until(socket, lambda f: f["type"] in ("error", "ack"))
                assert error[-1]["type"] == "error", (fields, error[-1])
                assert (error[-1]["code"], error[-1]["ref"]) == (code, ref), fields
                assert error[-1]["message"]
            await still_open(socket)
    assert not await database_sync_to_async(Ballot.objects.exists)()


@socket_test
async def test_projector_cannot_cast(sworld: World) -> None:
    poll = await database_sync_to_async(open_poll)(
        sworld, await database_sync_to_async(create_poll)(sworld)
    )
    yes = (await database_sync_to_async(options_of)(poll))["Yes"]
    async with await projector_socket(sworld) as socket:
        await socket.receive()
        await socket.send(
            {"type": "ballot.cast", "poll_id": poll.pk, "choices": [yes], "nonce": receipt()}
        )
        error = await receive_until(socket, lambda f: f["type"] == "error")
        assert error[-1]["code"] == "forbidden"
        await still_open(socket)


# --- coalesced turnout -------------------------------------------------------------------------

WEIGHTS = [Decimal(1), Decimal("1.5"), Decimal("0.3333")]


def crowd_poll(world: World, count: int, **fields: Any) -> tuple[Poll, list[Member], int]:
    crowd = add_voters(world.meeting, count, lambda i: WEIGHTS[i % 3])
    poll = open_poll(world, create_poll(world, **fields))
    return poll, crowd, options_of(poll)["Yes"]


def cast_and_close_connection(member: Member, poll_id: int, choice: int) -> services.Receipt:
    try:
        return services.ballot_cast(
            voter=member, poll_id=poll_id, choices=[choice], nonce=receipt()
        )
    finally:
        connection.close()


async def cast_burst(crowd: list[Member], poll_id: int, choice: int) -> float:
    """Cast one ballot for each member while this (the server's) loop runs:
    from 16 worker threads on PostgreSQL (the pool of config/settings.py has 20
    connections: the 16, the loop's database thread and this test's), one at
    a time on SQLite. Returns how long it took."""
    start = time.monotonic()
    if connection.vendor == "postgresql":
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=16) as pool:
            receipts = await asyncio.gather(
                *(
                    loop.run_in_executor(pool, cast_and_close_connection, m, poll_id, choice)
                    for m in crowd
                )
            )
    else:  # SQLite takes one writer at a time: parallel writers only wait on the lock
        cast = database_sync_to_async(services.ballot_cast)
        receipts = [
            await cast(voter=m, poll_id=poll_id, choices=[choice], nonce=receipt()) for m in crowd
        ]
    assert all(r.created for r in receipts)
    return time.monotonic() - start


def max_frames(interval: float, seconds: float) -> int:
    """What the coalescer may send for a burst of `seconds`: one at once, one
    per interval while ballots keep coming, and one final exact update.

    A burst within one second thus gets at most 6 updates to staff and 3 to
    members. How long 100 ballots take depends on the machine (SQLite takes one
    writer at a time; a loaded CI box is slower): the test checks the rate for
    the burst as it happened, and the literal 6 whenever it fit in a second."""
    return 2 + int(seconds / interval)


@socket_test
async def test_hundred_ballots_in_a_second_give_few_turnout_updates(sworld: World) -> None:
    poll, crowd, yes = await database_sync_to_async(crowd_poll)(sworld, 100, secrecy="secret")
    total = sum((WEIGHTS[i % 3] for i in range(100)), Decimal(0))
    assert total == Decimal("94.4989")  # 34 * 1 + 33 * 1.5 + 33 * 0.3333
    async with (
        await projector_socket(sworld) as projector,
        await member_socket(sworld, sworld.chair) as chair,
        await member_socket(sworld, sworld.voters[0]) as member,
    ):
        for socket in (projector, chair, member):
            assert (await socket.receive())["type"] == "snapshot"
        seconds = await cast_burst(crowd, poll.pk, yes)

        def complete(frame: dict[str, Any]) -> bool:
            return frame["type"] == "poll.turnout" and frame["ballots"] == 100

        staff_frames = await receive_until(projector, complete)
        chair_frames = await receive_until(chair, complete)
        member_frames = await receive_until(member, complete)
        # Nothing after the exact one: the update with 100 ballots is the last.
        staff_frames += await drain(projector, turnout.MEMBERS_INTERVAL + 0.5)
        chair_frames += await drain(chair, 0.1)
        member_frames += await drain(member, 0.1)

    staff = turnouts(staff_frames, poll.pk)
    assert staff_frames == staff, "the projector got only turnout updates"
    # At most 5 a second: for a burst within one second, at most 6 in all.
    assert 1 <= len(staff) <= max_frames(turnout.STAFF_INTERVAL, seconds)
    if seconds <= 1.0:
        assert len(staff) <= 6
    last = staff[-1]
    assert last["ballots"] == 100
    assert Decimal(last["weight"]) == total
    assert last["entitled"] == 104  # the crowd, the chair and three voters
    assert Decimal(last["entitled_weight"]) == total + 4
    assert last["state"] == "open"
    assert [f["ballots"] for f in staff] == sorted(f["ballots"] for f in staff)
    assert all("tally" not in f for f in staff), "a secret poll has no running tally"
    assert turnouts(chair_frames, poll.pk) == staff  # chair and projector share each update

    members = turnouts(member_frames, poll.pk)
    assert member_frames == members
    assert 1 <= len(members) <= max_frames(turnout.MEMBERS_INTERVAL, seconds)
    if seconds <= 1.0:
        assert len(members) <= 3
    assert members[-1] == last


def test_phones_get_the_turnout_less_often_on_a_large_roll(
    sworld: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each update teaches the coalescer the roll's size: a congress's phones
    get fewer updates a second, so frames per second stay flat."""
    assert [coalesce.crowd_interval(1.0, n) for n in (1, 1000, 5000)] == [1.0, 1.0, 5.0]
    monkeypatch.setattr(coalesce, "CROWD", 2)  # this small roll (4 voters) counts as a crowd
    asked: list[tuple[str, float, float]] = []

    def request(key: str, interval: float, build: Any, *, spread: float = 0.0) -> None:
        asked.append((key, interval, spread))

    monkeypatch.setattr(coalesce, "request", request)
    poll = open_poll(sworld, create_poll(sworld))
    asked.clear()
    turnout.turnout_changed(sworld.meeting.pk, poll.pk)
    turnout.TURNOUT.messages(sworld.meeting.pk, poll.pk, "members")
    turnout.turnout_changed(sworld.meeting.pk, poll.pk)
    phones = [(interval, spread) for key, interval, spread in asked if key.endswith(":members")]
    staff = {interval for key, interval, _ in asked if key.endswith(":staff")}
    assert phones == [(1.0, 0.5), (2.0, 1.0)]  # 4 voters / a crowd of 2 -> every 2 s
    assert staff == {turnout.STAFF_INTERVAL}  # chair and projector keep their pace


@socket_test
async def test_named_live_poll_sends_the_tally_to_staff_only(sworld: World) -> None:
    poll, crowd, yes = await database_sync_to_async(crowd_poll)(
        sworld, 12, secrecy="named", results_visibility="live"
    )
    options = await database_sync_to_async(options_of)(poll)
    async with (
        await projector_socket(sworld) as projector,
        await member_socket(sworld, sworld.chair) as chair,
        await member_socket(sworld, sworld.voters[0]) as member,
    ):
        for socket in (projector, chair, member):
            await socket.receive()
        await cast_burst(crowd[:8], poll.pk, yes)
        await cast_burst(crowd[8:], poll.pk, options["No"])

        def complete(frame: dict[str, Any]) -> bool:
            return frame["type"] == "poll.turnout" and frame["ballots"] == 12

        staff = turnouts(await receive_until(projector, complete), poll.pk)
        chair_view = turnouts(await receive_until(chair, complete), poll.pk)
        members = turnouts(await receive_until(member, complete), poll.pk)

    # Weights of crowd members 0..7 (yes) and 8..11 (no), by hand:
    # yes: 1 + 1.5 + 0.3333 + 1 + 1.5 + 0.3333 + 1 + 1.5 = 8.1666
    # no: 0.3333 + 1 + 1.5 + 0.3333 = 3.1666
    tally = {row["id"]: row for row in staff[-1]["tally"]}
    assert set(tally) == set(options.values())
    assert (tally[yes]["ballots"], Decimal(tally[yes]["weight"])) == (8, Decimal("8.1666"))
    no = options["No"]
    assert (tally[no]["ballots"], Decimal(tally[no]["weight"])) == (4, Decimal("3.1666"))
    assert tally[options["Abstain"]]["ballots"] == 0
    assert all("tally" in f for f in staff)
    assert chair_view[-1]["tally"] == staff[-1]["tally"]
    assert all("tally" not in f for f in members), "members never see a running tally"
    assert members[-1]["ballots"] == 12


# --- poll.changed and the snapshot -----------------------------------------------------------


@socket_test
async def test_poll_changed_on_open_and_close_with_the_result_for_everyone(
    sworld: World,
) -> None:
    poll = await database_sync_to_async(create_poll)(
        sworld, secrecy="secret", majority="two_thirds"
    )
    async with (
        await projector_socket(sworld) as projector,
        await member_socket(sworld, sworld.voters[0]) as member,
        await member_socket(sworld, sworld.voters[1]) as other,
    ):
        snapshots = [await s.receive() for s in (projector, member, other)]
        assert all(s["type"] == "snapshot" for s in snapshots)
        # Members do not see drafts.
        assert [p["id"] for p in snapshots[1]["polls"]] == []
        assert snapshots[1]["turnout"] is None

        await database_sync_to_async(open_poll)(sworld, poll)
        for socket in (projector, member, other):
            changed = await receive_until(socket, lambda f: f["type"] == "poll.changed")
            assert changed[-1]["poll"]["id"] == poll.pk
            assert changed[-1]["poll"]["state"] == "open"
            assert changed[-1]["poll"]["result"] is None

        options = await database_sync_to_async(options_of)(poll)
        for socket, choice in ((member, "Yes"), (other, "No")):
            await socket.send(
                {
                    "type": "ballot.cast",
                    "poll_id": poll.pk,
                    "choices": [options[choice]],
                    "nonce": receipt(),
                    "ref": choice,
                }
            )
            assert (await receive_until(socket, lambda f: f["type"] == "ack"))[-1]["ref"] == choice

        await database_sync_to_async(services.poll_close)(actor=sworld.chair, poll=poll)
        for socket in (projector, member, other):
            frames = await receive_until(
                socket, lambda f: f["type"] == "poll.changed" and f["poll"]["state"] == "closed"
            )
            result = frames[-1]["poll"]["result"]
            assert result["sentence"] == "Not carried: 1 of 2 valid votes; two-thirds required 2."
            assert result["carried"] is False
            assert result["ballots"] == 2
            # The final turnout says the poll is closed, with the exact count.
            final = await receive_until(
                socket, lambda f: f["type"] == "poll.turnout" and f["state"] == "closed"
            )
            assert final[-1]["ballots"] == 2

    # A member reconnecting sees that they voted (never what, on a secret poll).
    async with await member_socket(sworld, sworld.voters[0]) as member:
        snapshot = await member.receive()
    mine = snapshot["my_votes"][str(poll.pk)]
    assert [(m["voted"], m["on_behalf_of"]) for m in mine] == [(True, None)]
    assert [p["state"] for p in snapshot["polls"] if p["id"] == poll.pk] == ["closed"]
    assert "choices" not in str(mine)


@socket_test
async def test_snapshot_while_open_shows_turnout_and_my_votes(sworld: World) -> None:
    poll = await database_sync_to_async(open_poll)(
        sworld, await database_sync_to_async(create_poll)(sworld)
    )
    yes = (await database_sync_to_async(options_of)(poll))["Yes"]
    await database_sync_to_async(services.ballot_cast)(
        voter=sworld.voters[0], poll_id=poll.pk, choices=[yes], nonce=receipt()
    )
    async with await member_socket(sworld, sworld.voters[0]) as voted:
        snapshot = await voted.receive()
    assert snapshot["my_votes"][str(poll.pk)][0]["voted"] is True
    assert snapshot["turnout"]["poll_id"] == poll.pk
    assert snapshot["turnout"]["ballots"] == 1
    assert snapshot["turnout"]["entitled"] == 4
    async with await member_socket(sworld, sworld.voters[1]) as not_yet:
        snapshot = await not_yet.receive()
    assert snapshot["my_votes"][str(poll.pk)][0]["voted"] is False


# --- the composed snapshot's query count ------------------------------------------------------

# voting.selectors.voting_snapshot: polls, their options, the viewer's roll
# entries and their marks, the proxies they carry, the polls they are a teller
# of (6), and turnout of the open poll (2).
VOTING_QUERIES = 8
# live.consumer.build_snapshot: the meeting's sequence number (1); the
# part an audience shares: meetings' (5: the meeting with its union, voters'
# presence, agenda, roster summary, proxies for the quorum), voting's (4:
# polls, options, turnout (2)), documents' (2 for a meeting without documents:
# documents, the presentation row; pinned in tests/documents/test_sync.py);
# speakers' (3: the meeting's settings, items with their own, items with
# speeches), motions' (3: settings, motions with their amendments, the
# resolution); and the viewer's own part (5: presence, roll entries and
# marks, proxies, the polls they are a teller of).
SHARED_QUERIES = 5 + 4 + 2 + 3 + 3
VIEWER_QUERIES = 5
SNAPSHOT_QUERIES = 1 + SHARED_QUERIES + VIEWER_QUERIES


@pytest.mark.parametrize("closed_polls", [1, 6])
@pytest.mark.django_db
def test_composed_snapshot_query_count_is_pinned(
    closed_polls: int, django_assert_num_queries: Any
) -> None:
    """Constant whatever the number of polls."""
    world = build_world()
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    world.meeting.refresh_from_db()
    for i in range(closed_polls):
        poll = create_poll(world, title=f"Poll {i}", kind="election", options=["A", "B"])
        poll = open_poll(world, poll)
        services.ballot_cast(
            voter=world.voters[0],
            poll_id=poll.pk,
            choices=[options_of(poll)["A"]],
            nonce=receipt(),
        )
        services.poll_close(actor=world.chair, poll=poll)
    create_poll(world, title="Draft")
    open_poll(world, create_poll(world, title="Open"))
    participant = participant_for(world.meeting.pk, world.voters[0])
    chair = participant_for(world.meeting.pk, world.chair)
    assert participant is not None
    assert chair is not None
    viewers = [
        (Viewer(role=participant.role, participant=participant), closed_polls + 1),
        (Viewer(role=chair.role, participant=chair), closed_polls + 2),  # with the draft
    ]
    for viewer, polls in viewers:
        with django_assert_num_queries(SNAPSHOT_QUERIES):
            snapshot = json.loads(build_snapshot(world.meeting.pk, viewer))
        assert len(snapshot["polls"]) == polls
        assert len(snapshot["my_votes"]) == closed_polls + 1
        assert snapshot["turnout"]["ballots"] == 0
        with django_assert_num_queries(VOTING_QUERIES):
            voting_snapshot(
                meeting_id=world.meeting.pk,
                participant=viewer.participant,
                staff=viewer.controls_meeting,
                sees_tally=viewer.audience is not Audience.MEMBERS,
            )
    # Another member within the second reuses the members' shared part.
    other = participant_for(world.meeting.pk, world.voters[1])
    assert other is not None
    with django_assert_num_queries(1 + VIEWER_QUERIES):
        snapshot = json.loads(
            build_snapshot(world.meeting.pk, Viewer(role="voter", participant=other))
        )
    assert len(snapshot["polls"]) == closed_polls + 1
    assert snapshot["viewer"]["participant_id"] == other.pk
    # The projector has no presence, roll entries or proxies to look up.
    with django_assert_num_queries(1 + SHARED_QUERIES):
        snapshot = json.loads(build_snapshot(world.meeting.pk, PROJECTOR_VIEWER))
    assert len(snapshot["polls"]) == closed_polls + 1
    assert snapshot["my_votes"] == {}
