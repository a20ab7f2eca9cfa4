"""Each server process joins a meeting's group once and hands every event to
its own sockets by a direct call.

Through Channels alone, every socket has a channel of its own in the group:
an event reaches the process once (one PUBLISH on Redis), is then queued and
decoded once per socket, and wakes each socket's task, with a new task and an
`asyncio.wait` for every copy. That bookkeeping cost more CPU than sending
the frame. Here each group a process has sockets in is one channel of the
process's, read by one task that calls each socket's `deliver` in turn, and
a socket connects without a channel (and a Redis subscription) of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer

from live.clients import ClientGone

logger = logging.getLogger(__name__)


# Sockets served before the hub lets other work of the loop run.
YIELD_EVERY = 50


class Receiver(Protocol):
    async def deliver(self, message: dict[str, Any]) -> None: ...


@dataclass(eq=False)
class _Group:
    receivers: set[Receiver] = field(default_factory=set)
    channel: str = ""
    # Joining the channel layer's group, then reading the channel.
    opened: asyncio.Task[None] | None = None
    reader: asyncio.Task[None] | None = None


class Hub:
    """The groups one event loop (one server process) has sockets in."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.groups: dict[str, _Group] = {}

    async def join(self, name: str, receiver: Receiver) -> None:
        """Add `receiver` to group `name`. On return, every event sent to the
        group from then on reaches it."""
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = _Group()
            group.opened = asyncio.ensure_future(self._open(name, group))
        group.receivers.add(receiver)
        assert group.opened is not None
        try:
            # Shielded: one socket giving up must not cancel the others' join.
            await asyncio.shield(group.opened)
        except BaseException:
            await self.leave(name, receiver)
            raise

    async def leave(self, name: str, receiver: Receiver) -> None:
        group = self.groups.get(name)
        if group is None or receiver not in group.receivers:
            return
        group.receivers.discard(receiver)
        if group.receivers:
            return
        # The last socket left: a later join opens the group afresh.
        del self.groups[name]
        if group.reader is not None:
            group.reader.cancel()
        if group.opened is not None:
            with contextlib.suppress(BaseException):
                await group.opened
        if group.channel:
            await self.layer.group_discard(name, group.channel)

    async def _open(self, name: str, group: _Group) -> None:
        group.channel = await self.layer.new_channel()
        await self.layer.group_add(name, group.channel)
        group.reader = asyncio.ensure_future(self._read(name, group))

    async def _read(self, name: str, group: _Group) -> None:
        while True:
            try:
                message = await self.layer.receive(group.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The layer reconnects by itself; keep the group's sockets fed.
                logger.exception("Reading group %s failed", name)
                await asyncio.sleep(1)
                continue
            for i, receiver in enumerate(tuple(group.receivers), start=1):
                try:
                    await receiver.deliver(message)
                except ClientGone:
                    pass  # the socket closed meanwhile; its disconnect leaves the group
                except Exception:
                    logger.exception("Delivering an event of group %s failed", name)
                if i % YIELD_EVERY == 0:
                    # A send never suspends: without this, an update to a
                    # thousand phones holds the loop for 100 ms or more in one
                    # go, and every acknowledgement due meanwhile waits. This
                    # group's next event waits for this task, so each socket
                    # still gets the group's events in order.
                    await asyncio.sleep(0)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The running loop's hub, on the configured channel layer."""
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("No channel layer is configured.")
    loop = asyncio.get_running_loop()
    current = _hubs.get(loop)
    if current is None or current.layer is not layer:
        current = _hubs[loop] = Hub(layer)
    return current
