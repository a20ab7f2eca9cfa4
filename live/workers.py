"""The live layer's worker threads, and who a connecting client is.

The meeting socket (live.consumer) and following over HTTP (live.follow)
read the same things the same way: the session's member and who they are
to the meeting, on the same pool of read threads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from types import SimpleNamespace
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django import db
from django.conf import settings
from django.contrib import auth

from live import registry
from live.registry import Viewer

# Socket work runs side by side on two pools of threads, not on Channels' one
# database thread. There, every query of every connect waited behind the one
# before (a storm of phones queued for seconds while the CPU idled), and a
# burst of ballots behind each other's disk flush. Commands (ballots above
# all) have their own pool, so a connect storm does not hold a ballot back.
command_threads = ThreadPoolExecutor(
    max_workers=settings.SOCKET_COMMAND_THREADS, thread_name_prefix="socket-command"
)
read_threads = ThreadPoolExecutor(
    max_workers=settings.SOCKET_READ_THREADS, thread_name_prefix="socket-read"
)

T = TypeVar("T")


def _then_close(function: Callable[..., T], *args: Any) -> T:
    """A call whose database connection goes back to the pool when it ends,
    as after an HTTP request: these threads outlive every socket."""
    try:
        return function(*args)
    finally:
        db.connections.close_all()


async def on_thread(executor: ThreadPoolExecutor, function: Callable[..., T], *args: Any) -> T:
    return await sync_to_async(_then_close, thread_sensitive=False, executor=executor)(
        function, *args
    )


def session_user(session_key: str | None) -> Any:
    """The member logged in with this session, or AnonymousUser: Django's own
    check, so a session whose password has since changed logs in no one."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]


def connect_viewer(
    meeting_id: int, session_key: str | None, projector_token: str | None
) -> tuple[Any, Viewer]:
    """The session's member and who they are to the meeting, in one trip to a
    thread: a connect's reads before it joins the meeting's group."""
    user = session_user(session_key)
    return user, registry.meeting().resolve_viewer(meeting_id, user, projector_token)
