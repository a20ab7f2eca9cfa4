"""A fence around two of Channels' methods that the meeting socket replaces
(live.consumer): `dispatch` and `websocket_disconnect`. The replacements
skip `aclose_old_connections()` (each database call of the socket closes its
own connections, on_thread) and leaving the consumer's `groups` (the socket
has none: it joins its group through live.fanout). That is right only while
Channels' versions do nothing else. These tests hold the code that the
replacements were written against; when a Channels release changes it, they
fail, and the replacements must be read again against the new code before
the copy here is updated (and the pin in pyproject.toml and core.checks
widened).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from channels.consumer import AsyncConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

# Channels 4.3's code, docstrings left out.
DISPATCH = """\
async def dispatch(self, message):
    handler = getattr(self, get_handler_name(message), None)
    if handler:
        await aclose_old_connections()
        await handler(message)
    else:
        raise ValueError('No handler for message type %s' % message['type'])"""

WEBSOCKET_DISCONNECT = """\
async def websocket_disconnect(self, message):
    try:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)
    except AttributeError:
        raise InvalidChannelLayerError("BACKEND is unconfigured or doesn't support groups")
    await self.disconnect(message['code'])
    await aclose_old_connections()
    raise StopConsumer()"""


def code_of(function: Callable[..., Any]) -> str:
    """A function's code, its docstring, comments and layout left out."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    definition = tree.body[0]
    assert isinstance(definition, ast.AsyncFunctionDef)
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        definition.body = body[1:]
    return ast.unparse(definition)


@pytest.mark.parametrize(
    ("replaced", "expected"),
    [
        (AsyncConsumer.dispatch, DISPATCH),
        (AsyncWebsocketConsumer.websocket_disconnect, WEBSOCKET_DISCONNECT),
    ],
    ids=["dispatch", "websocket_disconnect"],
)
def test_channels_methods_the_socket_replaces_are_unchanged(
    replaced: Callable[..., Any], expected: str
) -> None:
    assert code_of(replaced) == expected
