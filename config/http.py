"""Django's ASGI handler, run the way a server of synchronous views wants.

Every middleware and view of this project is synchronous. Django's ASGI
handler still ends its middleware chain in an async view resolver, so a
request went thread, event loop, thread and back for every sync/async seam
(and once more for each hook of the middlewares below the last sync-only
one), and it started a new thread for each request and joined it after.
Each hop and each thread start costs CPU that a burst of REST ballots pays a
thousand times over. Here the request_started signal and the whole chain
run in one call on a thread kept from an earlier request, as under WSGI, and
the response is closed in a second.

Fences: `handle` restates the steps of Django 5.2's ASGIHandler.handle, and
`__call__` needs ThreadSensitiveContext(executor=...), new in asgiref 3.13
(an older asgiref fails every request with a TypeError). Both packages are
pinned to their tested ranges in pyproject.toml, and start-up refuses any
other version (core.checks); review this module before widening a range.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

# Idle request threads kept for the next requests; more than this many
# requests at once (slow downloads, say) start threads that end afterwards.
KEEP_THREADS = 32


class SyncChainHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        # Single-thread executors: Django's thread-sensitive calls of one
        # request (middleware and view, response close, signals) run on one
        # thread, which also owns the request's database connection.
        self._idle: list[ThreadPoolExecutor] = []

    def load_middleware(self, is_async: bool = False) -> None:
        """The synchronous chain, as for WSGI."""
        super().load_middleware(is_async=False)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Django's own steps, with everything synchronous before the response
        in one hop to the request's thread (Django makes two: the
        request_started signal, then the chain), and the response closed in
        a second.

        Django also listens for the client leaving, to cancel a view still
        running; a synchronous view runs to its end either way, so here its
        response is sent into the closed connection, as under WSGI."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                # Fires request_finished and closes the request's files.
                await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:  # a bad request: Django's own 400 or 413
            return cast(HttpResponseBase, error_response)
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if isinstance(response, FileResponse):
            # The server chunks what it sends: read files in large blocks.
            response.block_size = self.chunk_size
        return response

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, "http-request")
        try:
            # Django's own context, entered inside this one, then uses it.
            async with ThreadSensitiveContext(executor=executor):
                await super().__call__(scope, receive, send)
        finally:
            if len(self._idle) < KEEP_THREADS:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)
