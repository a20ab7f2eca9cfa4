"""The meeting socket: /ws/meetings/<id>/.

It names no app: who connects, the snapshot and every command come from what
the apps registered (live.registry). See docs/protocol.md for every message
and close code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core import jsonlimits
from core.exceptions import DomainError, NotAllowed, NotFound, NotLoggedIn
from core.language import scope_language
from core.projector_cookie import AS_PROJECTOR, projector_cookie
from core.unavailable import (
    ServiceUnavailable,
    database_down,
    live_layer_down,
    live_unavailable,
    unavailable,
)
from live import coalesce, fanout, personal, registry
from live.clients import ClientGone, client_gone
from live.commands import Frame
from live.events import encode, group_name
from live.registry import Viewer
from live.snapshot import build_snapshot
from live.workers import command_threads, connect_viewer, on_thread, read_threads

logger = logging.getLogger(__name__)

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NOT_PARTICIPANT = 4403
CLOSE_NO_MEETING = 4404
# The database cannot be reached: an error frame, then this (RFC 6455's
# "Try Again Later"); the client reconnects with backoff as for any close.
CLOSE_TRY_AGAIN_LATER = 1013
MAX_MESSAGE_BYTES = 16_384


class MeetingConsumer(AsyncWebsocketConsumer):
    meeting_id: int
    viewer: Viewer
    group: str
    language: str = settings.LANGUAGE_CODE
    # A spread update waiting for its moment (see meeting_event), its timer,
    # and the task that sends it (referenced so that it is not collected).
    held: str | None = None
    held_timer: asyncio.TimerHandle | None = None
    held_task: asyncio.Task[None] | None = None
    # Events for this socket that arrived while it was connecting or handling
    # a client frame, in order (None when idle). They go out after the
    # snapshot or the answer, so no event can overtake a snapshot.
    pending: list[dict[str, Any]] | None = None
    # No channel of its own: events come through the process's hub (live.fanout).
    channel_layer_alias = None  # type: ignore[assignment]

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch first closes stale database connections on
        its database thread, for every message: all sockets' frames queued on
        that one thread. Here every database call closes its own connections
        (on_thread), so a message goes straight to its handler."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        # Channels' version makes the same hop once more, for each socket of a
        # room that leaves at the end of a meeting.
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def deliver(self, message: dict[str, Any]) -> None:
        """An event of this socket's group, from the hub."""
        if not personal.is_for(message, getattr(self.viewer, "participant_id", None)):
            return  # another member's own state (live.personal)
        if self.pending is not None:
            self.pending.append(message)
        else:
            await self.meeting_event(message)

    @contextlib.asynccontextmanager
    async def holding_events(self) -> AsyncIterator[None]:
        self.pending = []
        try:
            yield
        finally:
            try:
                while self.pending:
                    await self.meeting_event(self.pending.pop(0))
            except ClientGone:
                pass  # disconnect() follows
            finally:
                self.pending = None

    async def connect(self) -> None:
        async with self.holding_events():
            try:
                await self.join()
            except Exception as exc:
                if database_down(exc):
                    await self.close_unavailable(exc)
                elif live_layer_down(exc):
                    # Joining the meeting's group needs the channel layer.
                    await self.close_unavailable(exc, error=live_unavailable())
                else:
                    raise

    async def close_unavailable(
        self, exc: Exception, ref: Any = None, *, error: ServiceUnavailable | None = None
    ) -> None:
        """The database (or the channel layer) is lost: say so in an error
        frame (answering the command in flight), then close; the client
        reconnects and resends."""
        logger.warning(
            "Meeting socket %s: %s unreachable (%s)",
            self.meeting_id,
            "live layer" if error else "database",
            exc,
        )
        error = error or unavailable()
        with client_gone():
            await self.send_error(error.code, error.message, ref)
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def join(self) -> None:
        coalesce.remember_loop()
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        # The projector's key is its cookie, never the URL (access logs);
        # `?as=projector` says to use it rather than the session.
        as_projector = (query.get("as") or [""])[-1] == AS_PROJECTOR
        token = projector_cookie(self.scope["cookies"]) if as_projector else None
        # Accept first: a close code sent before accepting never reaches a browser.
        await self.accept()
        if as_projector and token is None:
            await self.close(code=CLOSE_NO_MEETING)
            return
        try:
            self.scope["user"], self.viewer = await on_thread(
                read_threads,
                connect_viewer,
                self.meeting_id,
                self.scope["cookies"].get(settings.SESSION_COOKIE_NAME),
                token,
            )
        except NotLoggedIn:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        except NotFound:
            await self.close(code=CLOSE_NO_MEETING)
            return
        except NotAllowed:
            await self.close(code=CLOSE_NOT_PARTICIPANT)
            return
        # Error frames speak the member's language (meetings.language has the rule).
        self.language = scope_language(self.scope)
        # Join before taking the snapshot: no event can fall between the two.
        self.group = group_name(self.meeting_id, self.viewer.audience)
        await fanout.hub().join(self.group, self)
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        self.held = None
        if self.held_timer is not None:
            self.held_timer.cancel()
        if getattr(self, "group", None):
            await fanout.hub().leave(self.group, self)

    async def send_snapshot(self) -> None:
        text = await on_thread(read_threads, build_snapshot, self.meeting_id, self.viewer)
        # A phone may give up while its snapshot is built (a connect storm);
        # disconnect() follows, and there is no one left to tell.
        with client_gone():
            await self.send(text_data=text)

    async def send_error(self, code: str, message: str, ref: Any = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref is not None:
            frame["ref"] = ref
        await self.send(text_data=encode(frame))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The service calls run in worker threads; they inherit this context.
        with translation.override(self.language):
            async with self.holding_events():
                await self.handle_frame(text_data)

    async def handle_frame(self, text_data: str | None) -> None:
        if not hasattr(self, "group"):
            return  # refused connection, closing
        if text_data is None:
            await self.send_error("bad_message", _("Send JSON text frames, not binary."))
            return
        if len(text_data) > MAX_MESSAGE_BYTES or len(text_data.encode()) > MAX_MESSAGE_BYTES:
            await self.send_error("bad_message", _("Message too large."))
            return
        try:
            message = jsonlimits.loads(text_data)
        except jsonlimits.JsonTooDeep:
            await self.send_error(
                "bad_message",
                _("The message is nested too deep (at most %(depth)d levels).")
                % {"depth": jsonlimits.MAX_DEPTH},
            )
            return
        except ValueError:
            await self.send_error("bad_message", _("The message is not valid JSON."))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send_error("bad_message", _('A message is a JSON object with a "type".'))
            return
        kind, ref = message["type"], message.get("ref")
        try:
            if kind == "resync":
                await self.send_snapshot()
            elif kind == "ping":
                await self.send(text_data=encode({"type": "pong", "ref": ref}))
            elif (handler := registry.command(kind)) is not None:
                await self.run_command(handler, Frame(message), ref)
            else:
                await self.send_error(
                    "unknown_type", _("Unknown message type: %(type)s") % {"type": kind}, ref
                )
        except Exception as exc:
            if not database_down(exc):
                raise
            await self.close_unavailable(exc, ref)

    async def run_command(self, handler: registry.Handler, frame: Frame, ref: Any) -> None:
        actor = self.viewer.actor
        if actor is None:
            await self.send_error("forbidden", _("The projector is read-only."), ref)
            return
        try:
            extra = await on_thread(command_threads, handler, self.meeting_id, actor, frame)
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, ref)
            return
        await self.send(
            text_data=encode({"type": "ack", "for": frame.type, "ref": ref, **(extra or {})})
        )

    async def meeting_event(self, event: dict[str, Any]) -> None:
        """An event of the socket's group: already JSON, sent as it is.

        An update marked `spread` (the running turnout or attendance for a
        crowd of phones: unsequenced, each holding the whole current state)
        waits a random moment within that many seconds. Sent at once, a
        thousand copies would hold the server for a few hundred milliseconds
        in one go, and every ballot acknowledgement due then with them. A
        newer update replaces a waiting one, and any other frame sends the
        waiting one first, so frames keep their order."""
        spread = event.get("spread")
        if not spread:
            await self.send(text_data=event["text"])
            return
        first = self.held is None
        self.held = event["text"]
        if first:
            loop = asyncio.get_running_loop()
            self.held_timer = loop.call_later(random.uniform(0, spread), self._held_due)

    def _held_due(self) -> None:
        self.held_timer = None
        self.held_task = asyncio.ensure_future(self.send_held_due())

    async def send_held_due(self) -> None:
        # The phone may have left while its update waited; disconnect() follows.
        with client_gone():
            await self.send_held()

    async def send_held(self) -> None:
        text, self.held = self.held, None
        if self.held_timer is not None:
            self.held_timer.cancel()
            self.held_timer = None
        if text is not None:
            await super().send(text_data=text)

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        await self.send_held()
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
