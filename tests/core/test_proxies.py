"""X-Forwarded-For is believed only from the configured proxies, and the
client is the right-most address not one of them (core.proxies)."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.asgi import application
from core.proxies import client_address

NGINX = "127.0.0.1"
CLIENT = "203.0.113.9"


@pytest.fixture(autouse=True)
def proxies(settings: Any) -> Any:
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    return settings


def test_only_a_trusted_peer_is_believed() -> None:
    assert client_address(CLIENT, ["6.6.6.6"]) == CLIENT  # a client talking to daphne
    assert client_address(NGINX, [CLIENT]) == CLIENT
    assert client_address("::1", [CLIENT]) == CLIENT
    assert client_address(NGINX, []) == NGINX


def test_a_forged_first_entry_is_ignored() -> None:
    # nginx's $proxy_add_x_forwarded_for: what the client sent, then its address.
    assert client_address(NGINX, [f"6.6.6.6, {CLIENT}"]) == CLIENT
    assert client_address(NGINX, ["6.6.6.6", CLIENT]) == CLIENT  # two header lines
    assert client_address(NGINX, [f"not-an-address, 6.6.6.6 , {CLIENT}"]) == CLIENT


def test_chains_of_trusted_proxies(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "2001:db8::/32"]
    chain = f"6.6.6.6, {CLIENT}, 10.1.2.3, 2001:db8::7"
    assert client_address(NGINX, [chain]) == CLIENT
    # Addresses with ports, IPv6 in brackets, v4-mapped v6.
    assert client_address(NGINX, [f"{CLIENT}:5123, [2001:db8::9]:443"]) == CLIENT
    assert client_address(NGINX, ["[2001:db9::1]:80"]) == "2001:db9::1"
    assert client_address("::ffff:10.0.0.1", [CLIENT]) == CLIENT
    # Every hop is ours: the request began at a proxy.
    assert client_address(NGINX, ["10.0.0.5"]) == "10.0.0.5"
    # Garbage where the client's address should be: the nearest proxy stands in.
    assert client_address(NGINX, ["garbage, 10.0.0.5"]) == "10.0.0.5"


def test_no_trusted_proxies_means_the_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = []
    assert client_address(NGINX, [CLIENT]) == NGINX


def test_a_bad_setting_stops_start_up() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "TRUSTED_PROXIES": "127.0.0.1,nginx.local",
            "PATH": "/usr/bin:/bin",
        },
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx.local' is not an address or a network." in result.stderr
    assert ImproperlyConfigured.__name__ in result.stderr


async def get(path: str, peer: str, forwarded_for: str) -> int:
    """One GET through the whole ASGI application, as daphne hands it over
    (without --proxy-headers): the peer is nginx, the header nginx's."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 50000),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await application(scope, receive, send)
    status: int = sent[0]["status"]
    return status


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_forged_addresses_do_not_dodge_the_login_link_limit(settings: Any) -> None:
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
    settings.LOGIN_TOKEN_RATE_LIMIT = 2
    path = "/login/link/not-a-token/"
    answers = [await get(path, NGINX, f"10.9.9.{n}, {CLIENT}") for n in range(3)]
    assert answers == [400, 400, 429]  # an unknown link, then the limit
    # Another member behind the same nginx has a count of their own.
    assert await get(path, NGINX, "198.51.100.1") == 400
