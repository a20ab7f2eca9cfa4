"""The process's hub: one channel per group, events handed to each socket."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from autobahn.exception import Disconnected
from channels.layers import get_channel_layer

from live import fanout
from live.events import layer_message

TIMEOUT = 10  # bounds a broken test, not a latency check


@pytest.fixture(params=["memory", "redis"])
def layer(request: pytest.FixtureRequest, settings: Any) -> Any:
    """Each test on the in-memory layer (the embedded default) and on Redis
    (production's; skipped without REDIS_URL, required under CI=true)."""
    from channels.layers import channel_layers

    if request.param == "redis":
        request.getfixturevalue("redis_layer")
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        channel_layers.backends.clear()
    return get_channel_layer()


class Phone:
    def __init__(self, fails: BaseException | None = None) -> None:
        self.got: asyncio.Queue[str] = asyncio.Queue()
        self.fails = fails

    async def deliver(self, message: dict[str, Any]) -> None:
        self.got.put_nowait(message["text"])
        if self.fails is not None:
            raise self.fails

    async def next(self) -> str:
        return await asyncio.wait_for(self.got.get(), TIMEOUT)


async def settle() -> None:
    """Long enough for a message already sent to have arrived."""
    await asyncio.sleep(0.2)


@pytest.mark.asyncio
async def test_every_phone_of_a_group_gets_each_event_once_through_one_channel(layer: Any) -> None:
    hub = fanout.hub()
    a, b, other = Phone(), Phone(), Phone()
    await hub.join("meeting.1.members", a)
    channel = hub.groups["meeting.1.members"].channel
    await hub.join("meeting.1.members", b)
    await hub.join("meeting.1.staff", other)
    assert hub.groups["meeting.1.members"].channel == channel, "one channel per group"

    await layer.group_send("meeting.1.members", layer_message("one"))
    await layer.group_send("meeting.1.members", layer_message("two"))
    assert [await a.next(), await a.next()] == ["one", "two"]
    assert [await b.next(), await b.next()] == ["one", "two"]
    await settle()
    assert a.got.empty() and b.got.empty() and other.got.empty()
    for phone, group in [(a, "members"), (b, "members"), (other, "staff")]:
        await hub.leave(f"meeting.1.{group}", phone)


@pytest.mark.asyncio
async def test_a_phone_that_left_gets_nothing_and_the_last_one_out_closes_the_group(
    layer: Any,
) -> None:
    hub = fanout.hub()
    stays, leaves = Phone(), Phone()
    await hub.join("meeting.2.members", stays)
    await hub.join("meeting.2.members", leaves)
    await hub.leave("meeting.2.members", leaves)
    await layer.group_send("meeting.2.members", layer_message("after"))
    assert await stays.next() == "after"

    await hub.leave("meeting.2.members", stays)
    assert "meeting.2.members" not in hub.groups
    await layer.group_send("meeting.2.members", layer_message("nobody"))
    await settle()
    assert stays.got.empty() and leaves.got.empty()

    # Joining again opens the group afresh.
    back = Phone()
    await hub.join("meeting.2.members", back)
    await layer.group_send("meeting.2.members", layer_message("again"))
    assert await back.next() == "again"
    await hub.leave("meeting.2.members", back)


@pytest.mark.asyncio
async def test_a_failing_phone_does_not_cost_the_others_their_events(
    layer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hub = fanout.hub()
    broken = Phone(fails=RuntimeError("bug"))
    closed = Phone(fails=Disconnected("Attempt to send on a closed protocol"))
    fine = Phone()
    for phone in (broken, closed, fine):
        await hub.join("meeting.3.members", phone)
    with caplog.at_level(logging.ERROR, logger="live.fanout"):
        await layer.group_send("meeting.3.members", layer_message("first"))
        await layer.group_send("meeting.3.members", layer_message("second"))
        assert [await fine.next(), await fine.next()] == ["first", "second"]
        assert [await broken.next(), await broken.next()] == ["first", "second"]
    # A socket closed meanwhile is not an error; a bug is logged.
    failures = [r for r in caplog.records if r.name == "live.fanout"]
    assert len(failures) == 2
    assert all(r.exc_info and isinstance(r.exc_info[1], RuntimeError) for r in failures)
    for phone in (broken, closed, fine):
        await hub.leave("meeting.3.members", phone)


@pytest.mark.asyncio
async def test_a_large_group_lets_other_work_run_between_its_phones(layer: Any) -> None:
    """An update to a thousand phones must not hold the loop in one go: an
    acknowledgement due meanwhile goes out between them."""
    hub = fanout.hub()
    phones = [Phone() for _ in range(3 * fanout.YIELD_EVERY)]
    for phone in phones:
        await hub.join("meeting.4.members", phone)
    seen_mid_fanout: list[int] = []

    async def other_work() -> None:
        while any(phone.got.empty() for phone in phones):
            seen_mid_fanout.append(sum(p.got.qsize() for p in phones))
            await asyncio.sleep(0)

    worker = asyncio.ensure_future(other_work())
    await layer.group_send("meeting.4.members", layer_message("one"))
    await layer.group_send("meeting.4.members", layer_message("two"))
    await asyncio.wait_for(worker, TIMEOUT)
    assert any(0 < n < len(phones) for n in seen_mid_fanout)
    for phone in phones:  # each phone still gets the group's events once, in order
        assert [await phone.next(), await phone.next()] == ["one", "two"]
    await settle()
    assert all(phone.got.empty() for phone in phones)
    for phone in phones:
        await hub.leave("meeting.4.members", phone)
