"""The client's address behind reverse proxies.

X-Forwarded-For is a list each proxy appends to: nginx's
`$proxy_add_x_forwarded_for` passes on whatever the client sent and adds the
address it saw. Only the entries added by proxies we run can be believed, so
the client is the right-most address that is not one of TRUSTED_PROXIES,
and the header is read only when the connection itself comes from a trusted
proxy. (daphne's `--proxy-headers` takes the first entry, which the client
chooses: a forged header then dodged every per-address rate limit.)

`TrustedProxies` rewrites the ASGI scope's `client` before anything reads
it, for HTTP and the socket alike; Django's REMOTE_ADDR comes from it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(settings.TRUSTED_PROXIES))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(text: str, networks: Sequence[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def client_address(peer: str, forwarded_for: Iterable[str]) -> str:
    """The client's address, given the connection's `peer` address and the
    X-Forwarded-For header values (in order).

    From a peer that is not a trusted proxy, the header is ignored. Else the
    entries are read from the right, skipping trusted proxies; the first
    other one is the client. If that entry is not an address (a proxy that
    passes garbage on), the nearest proxy's address stands in for it."""
    networks = trusted_networks()
    if not networks or not _trusted(peer, networks):
        return peer
    entries = [part.strip() for value in forwarded_for for part in value.split(",")]
    nearest = peer
    for entry in reversed([e for e in entries if e]):
        if _trusted(entry, networks):
            nearest = entry
            continue
        address = _address(entry)
        return str(address) if address is not None else nearest
    return nearest  # every hop is ours: the request started at a proxy


class TrustedProxies:
    """ASGI middleware: the scope's `client` is the client's address as
    client_address() finds it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = scope.get("client")
        if scope["type"] in ("http", "websocket") and client:
            forwarded = [
                value.decode("latin-1")
                for name, value in scope.get("headers") or ()
                if name == b"x-forwarded-for"
            ]
            address = client_address(str(client[0]), forwarded) if forwarded else client[0]
            if address != client[0]:
                scope = {**scope, "client": (address, 0)}
        await self.app(scope, receive, send)
