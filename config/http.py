"""Django's ASGI handler, run the way a server of synchronous views wants.

Every middleware and view of this project is synchronous. Django's ASGI
handler still ends its middleware chain in an async view resolver, so a
request went thread, event loop, thread and back for every sync/async seam
(and once more for each hook of the middlewares below the last sync-only
one), and it started a new thread for each request and joined it after.
Each hop and each thread start costs CPU that a burst of REST ballots pays a
thousand times over. Here the whole chain runs in one call on a thread kept
from an earlier request, as under WSGI.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

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
        """The synchronous chain (as for WSGI), entered in one thread hop."""
        super().load_middleware(is_async=False)
        # The stubs do not declare the chain; Django sets it in load_middleware.
        chain = self._middleware_chain  # type: ignore[has-type]
        self._middleware_chain = sync_to_async(chain, thread_sensitive=True)

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
