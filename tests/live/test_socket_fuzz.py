"""Fuzzing the meeting socket: random, oversized, deeply nested and non-JSON
frames, and every registered command with random fields. The server answers
each frame (an error frame, an ack or a pong), never closes the socket, and
its memory stays bounded. Seeded, so a failure replays."""

from __future__ import annotations

import json
import random
import tracemalloc
from typing import Any

from live import registry
from live.consumer import MAX_MESSAGE_BYTES
from tests.conftest import World
from tests.live.test_consumer import live_world, member_socket, socket_layer, socket_test

__all__ = ["live_world", "socket_layer"]

SEED = 20261207
FRAMES = 250


def random_scalar(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            False,
            rng.randint(-(2**70), 2**70),
            rng.randint(-3, 3),
            rng.random() * 10 ** rng.randint(-5, 300),
            "",
            "x" * rng.randint(1, 3000),
            "".join(chr(rng.randint(1, 0x10FFFF)) for _ in range(rng.randint(1, 40)))
            .encode("utf-8", "ignore")
            .decode("utf-8", "ignore"),
            "-1",
            "NaN",
        ]
    )


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return random_scalar(rng)
    if roll < 0.8:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {str(random_scalar(rng))[:20]: random_value(rng, depth + 1) for _ in range(3)}


FIELDS = [
    "ref", "poll", "poll_id", "choices", "receipt_code", "on_behalf_of", "item_id",
    "direction", "document_id", "page", "participant_id", "title", "text", "code", "seq",
]  # fmt: skip


def random_frame(rng: random.Random, commands: list[str]) -> str | bytes:
    kind = rng.random()
    if kind < 0.45:
        frame = {"type": rng.choice(commands)}
        for name in rng.sample(FIELDS, rng.randint(0, 6)):
            frame[name] = random_value(rng)
        return json.dumps(frame)
    if kind < 0.55:
        depth = rng.choice([33, 100, 1000, 7000, 8000])
        return '{"type": "ping", "x": ' + "[" * depth + "]" * depth + "}"
    if kind < 0.62:
        return json.dumps({"type": "ping", "pad": "y" * (MAX_MESSAGE_BYTES + rng.randint(1, 9))})
    if kind < 0.72:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
    if kind < 0.85:
        return "".join(rng.choice('{}[]":,0123456789abc \\') for _ in range(rng.randint(0, 300)))
    return json.dumps(random_value(rng))


@socket_test
async def test_random_frames_get_answers_and_the_socket_stays_up(live_world: World) -> None:
    rng = random.Random(SEED)
    commands = [*sorted(registry.command_names()), "resync", "ping", "no.such.command"]
    voter = live_world.voters[0]
    answered = {"error": 0, "ack": 0, "other": 0}
    tracemalloc.start()
    try:
        async with await member_socket(live_world, voter) as socket:
            await socket.receive()  # the snapshot
            baseline = 0
            for number in range(FRAMES):
                frame = random_frame(rng, commands)
                if isinstance(frame, bytes):
                    await socket.send_bytes(frame)
                else:
                    await socket.send_text(frame)
                # Events (a roster or agenda change the fuzzing caused) may
                # come first; the frame's own answer follows.
                while True:
                    reply = await socket.receive()
                    if reply["type"] in ("error", "ack", "pong", "snapshot"):
                        break
                if reply["type"] == "error":
                    assert reply["message"], reply
                    answered["error"] += 1
                elif reply["type"] == "ack":
                    answered["ack"] += 1
                else:
                    answered["other"] += 1
                if number == 50:
                    baseline = tracemalloc.get_traced_memory()[0]
            await socket.assert_open()
            grown = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert answered["error"] > FRAMES // 2, answered
    # Bounded: 200 more frames (some of them 16 KB) leave under 8 MB behind.
    assert grown < 8 * 1024 * 1024, grown


@socket_test
async def test_a_flood_of_deep_frames_costs_no_recursion(live_world: World) -> None:
    voter = live_world.voters[0]
    deep = '{"type": "ping", "x": ' + "[" * 8000 + "]" * 8000 + "}"
    assert len(deep) < MAX_MESSAGE_BYTES
    async with await member_socket(live_world, voter) as socket:
        await socket.receive()
        for _ in range(20):
            await socket.send_text(deep)
            error = await socket.receive()
            assert (error["type"], error["code"]) == ("error", "bad_message")
        await socket.assert_open()
