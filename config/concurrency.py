"""At most a few HTTP requests inside Django at once.

Django runs each request on a thread of its own. A burst of a thousand
ballots over the REST API would start a thousand threads that fight over the
interpreter lock and queue for the same few pooled database connections, and
the meeting sockets, served by the same process, would wait behind them.
Requests beyond the limit wait on the event loop instead, which costs
nothing. A request takes its place only once its body has arrived, and gives
it back as soon as its response starts: a slow phone uploading or
downloading a document holds no place while its bytes travel.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any


class RequestLimit:
    """ASGI middleware: at most `limit` HTTP requests between their last body
    chunk and their response start, per event loop."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit
        # A semaphore belongs to one event loop; tests run several loops.
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.limit)
        return semaphore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        semaphore = self.semaphore()
        state = "reading"  # -> "held" -> "done"

        async def receive_then_wait() -> dict[str, Any]:
            nonlocal state
            message: dict[str, Any] = await receive()
            body_done = message["type"] == "http.request" and not message.get("more_body")
            if state == "reading" and body_done:
                await semaphore.acquire()
                state = "held"
            return message

        async def send_and_release(message: dict[str, Any]) -> None:
            nonlocal state
            if state == "held" and message["type"] == "http.response.start":
                state = "done"
                semaphore.release()
            await send(message)

        try:
            await self.app(scope, receive_then_wait, send_and_release)
        finally:
            if state == "held":
                semaphore.release()
