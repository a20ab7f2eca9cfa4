"""config.http.SyncChainHandler: Django's middleware and view in one call on
a request thread that later requests use again."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core import signals
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import override_settings
from django.urls import path

from config.http import KEEP_THREADS, SyncChainHandler

# Where each part of a request ran, in order: (part, thread).
seen: list[tuple[str, threading.Thread]] = []


class Record:
    """A sync-only middleware, like most; Django's stock handler adapts the
    view below it back to the event loop."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seen.append(("middleware", threading.current_thread()))
        return self.get_response(request)


def view(request: HttpRequest) -> HttpResponse:
    seen.append(("view", threading.current_thread()))
    return JsonResponse({"path": request.path})


def failing(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("boom")


urlpatterns = [path("here/", view), path("fail/", failing)]
SETTINGS = {
    "ROOT_URLCONF": __name__,
    "MIDDLEWARE": [f"{__name__}.Record"],
    "ALLOWED_HOSTS": ["testserver"],
    "DEBUG_PROPAGATE_EXCEPTIONS": False,
}


async def get(handler: SyncChainHandler, url: str) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": url,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b""}
        await asyncio.Event().wait()  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await handler(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body


@pytest.mark.asyncio
async def test_middleware_and_view_share_one_thread_that_the_next_request_reuses() -> None:
    seen.clear()
    with override_settings(**SETTINGS):
        handler = SyncChainHandler()
        assert await get(handler, "/here/") == (200, b'{"path": "/here/"}')
        assert await get(handler, "/here/") == (200, b'{"path": "/here/"}')
    parts = [part for part, _ in seen]
    threads = {thread for _, thread in seen}
    assert parts == ["middleware", "view", "middleware", "view"]
    assert len(threads) == 1  # one thread, kept from the first request
    assert threads != {threading.current_thread()}  # not the event loop's
    assert len(handler._idle) == 1


@pytest.mark.asyncio
async def test_a_failing_view_answers_500_and_its_thread_is_kept() -> None:
    with override_settings(**SETTINGS):
        handler = SyncChainHandler()
        status, _body = await get(handler, "/fail/")
        assert status == 500
        assert await get(handler, "/here/") == (200, b'{"path": "/here/"}')
    assert len(handler._idle) == 1


@pytest.mark.asyncio
async def test_threads_beyond_those_kept_end_after_their_request() -> None:
    seen.clear()
    with override_settings(**SETTINGS):
        handler = SyncChainHandler()
        results = await asyncio.gather(*(get(handler, "/here/") for _ in range(KEEP_THREADS + 4)))
    assert all(status == 200 for status, _ in results)
    assert len(handler._idle) == KEEP_THREADS


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(1, "http-request-test")
        self.calls = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super().submit(*args, **kwargs)


@pytest.mark.asyncio
async def test_a_request_takes_two_hops_to_its_thread_signals_included() -> None:
    """request_started, the middleware and the view in one hop to the
    request's thread; request_finished as the response is closed, in a second."""
    seen.clear()

    def started(**kwargs: Any) -> None:
        seen.append(("started", threading.current_thread()))

    def finished(**kwargs: Any) -> None:
        seen.append(("finished", threading.current_thread()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    executor = CountingExecutor()
    try:
        with override_settings(**SETTINGS):
            handler = SyncChainHandler()
            handler._idle.append(executor)
            assert await get(handler, "/here/") == (200, b'{"path": "/here/"}')
            status, _body = await get(handler, "/fail/")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
        executor.shutdown()
    assert status == 500
    parts = [part for part, _ in seen]
    assert parts == [
        *("started", "middleware", "view", "finished"),
        *("started", "middleware", "finished"),
    ]
    assert len({thread for _, thread in seen}) == 1
    assert threading.current_thread() not in {thread for _, thread in seen}
    assert executor.calls == 4
