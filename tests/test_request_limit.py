"""config.concurrency.RequestLimit: at most N HTTP requests inside the app at
once, counted from a request's last body chunk to its response start."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from config.concurrency import RequestLimit

HTTP = {"type": "http", "method": "POST", "path": "/"}
# Bounds how long a broken test waits; never a latency check.
SETTLE = 5.0


class App:
    """An ASGI app that reads the whole body, then waits for the test's word
    before it answers, and records how many requests were inside at once."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.answer: dict[str, asyncio.Event] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await send({"type": "websocket.accept"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        await self.answer.setdefault(body.decode(), asyncio.Event()).wait()
        self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def release(self, name: str) -> None:
        self.answer.setdefault(name, asyncio.Event()).set()


def request(limited: RequestLimit, name: str, chunks: asyncio.Queue[bytes | None] | None = None):
    """Run one request; its body is `name`, or the chunks put on `chunks`
    (None ends the body). Returns the task and the messages sent back."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if chunks is None:
            return {"type": "http.request", "body": name.encode(), "more_body": False}
        chunk = await chunks.get()
        return {"type": "http.request", "body": chunk or b"", "more_body": chunk is not None}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    return asyncio.ensure_future(limited(dict(HTTP), receive, send)), sent


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_requests_beyond_the_limit_wait_and_are_served_in_turn() -> None:
    app = App()
    limited = RequestLimit(app, 2)
    runs = [request(limited, f"r{i}") for i in range(5)]
    await settle()
    assert app.inside == 2  # the other three wait outside the app
    for i in range(5):
        app.release(f"r{i}")
        await runs[i][0]
        assert runs[i][1][-1]["body"] == f"r{i}".encode()
    assert app.most_inside == 2


@pytest.mark.asyncio
async def test_a_slow_upload_holds_no_place_until_its_body_has_arrived() -> None:
    app = App()
    limited = RequestLimit(app, 1)
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    upload, _sent = request(limited, "", chunks)
    await chunks.put(b"big-")
    await settle()
    quick, quick_sent = request(limited, "quick")
    app.release("quick")
    # Served while the upload is still sending its body (a bound, not a timing).
    await asyncio.wait_for(quick, SETTLE)
    assert quick_sent[-1]["body"] == b"quick"
    await chunks.put(b"file")
    await chunks.put(None)
    app.release("big-file")
    await upload


@pytest.mark.asyncio
async def test_a_place_is_given_back_when_the_response_starts_or_the_app_fails() -> None:
    started: list[str] = []
    finish = asyncio.Event()

    async def streaming(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        if scope["path"] == "/fail":
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        started.append(scope["path"])
        await finish.wait()  # a long download: the body is still streaming
        await send({"type": "http.response.body", "body": b"end"})

    limited = RequestLimit(streaming, 1)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        pass

    with pytest.raises(RuntimeError):
        await limited({**HTTP, "path": "/fail"}, receive, send)
    download = asyncio.ensure_future(limited({**HTTP, "path": "/file"}, receive, send))
    other = asyncio.ensure_future(limited({**HTTP, "path": "/other"}, receive, send))
    await settle()
    # The failed request gave its place back, and the download, streaming
    # its body, holds none: the other request got in and started too.
    assert started == ["/file", "/other"]
    finish.set()
    await asyncio.gather(download, other)


@pytest.mark.asyncio
async def test_websockets_pass_through_untouched() -> None:
    app = App()
    limited = RequestLimit(app, 1)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await limited({"type": "websocket", "path": "/ws/"}, None, send)
    assert sent == [{"type": "websocket.accept"}]
