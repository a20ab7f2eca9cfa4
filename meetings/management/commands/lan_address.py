"""`python manage.py lan_address --port 8000`: the URL phones on the same Wi-Fi
open, with a QR code of it in the terminal (`make demo HOST=0.0.0.0`).

`--host-only` prints just the address, for ALLOWED_HOSTS.
"""

from __future__ import annotations

import io
import ipaddress
import socket
from typing import Any

import qrcode
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

# Private-range addresses to "connect" a UDP socket to. connect() on a UDP
# socket sends no packet: it only asks the kernel which local address would
# route there, which is the machine's address on the LAN.
PROBES = ("10.255.255.254", "192.168.255.254", "172.31.255.254")
DEFAULT_PORTS = {"http": 80, "https": 443}


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def _route_address(probe: str) -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # discard port; nothing is sent
            address: str = sock.getsockname()[0]
    except OSError:
        return None
    return address


def _hostname_addresses() -> list[str]:
    try:
        _name, _aliases, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return []
    return addresses


def lan_address() -> str:
    """The machine's IPv4 address on the local network, else 127.0.0.1."""
    for probe in PROBES:
        address = _route_address(probe)
        if address and _usable(address):
            return address
    for address in _hostname_addresses():
        if _usable(address):
            return address
    return "127.0.0.1"


def lan_url(host: str, port: int, scheme: str = "http") -> str:
    """http://HOST:PORT/, with IPv6 in brackets and the scheme's default port left out."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    netloc = host if DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    return f"{scheme}://{netloc}/"


class _Buffer(io.StringIO):
    """Collects the QR code; says whether the real output is a terminal."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def qr_text(data: str, *, tty: bool) -> str:
    """The QR code as text. On a terminal, with explicit colours (dark modules
    on white), so it scans whatever the terminal's theme; otherwise as plain
    half-block characters."""
    code = qrcode.QRCode(border=2)
    code.add_data(data)
    code.make(fit=True)
    buffer = _Buffer(tty)
    code.print_ascii(out=buffer, tty=tty)
    return buffer.getvalue()


class Command(BaseCommand):
    help = _("Print the address phones on the same network open, with a QR code of it.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help=_("The server's port."))
        parser.add_argument("--scheme", choices=sorted(DEFAULT_PORTS), default="http")
        parser.add_argument(
            "--host-only",
            action="store_true",
            help=_("Print only the address (for ALLOWED_HOSTS), no URL and no QR code."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host = lan_address()
        if options["host_only"]:
            self.stdout.write(host)
            return
        url = lan_url(host, options["port"], options["scheme"])
        self.stdout.write(_("Phones on the same Wi-Fi open: %(url)s") % {"url": url})
        if host == "127.0.0.1":
            self.stdout.write(
                self.style.WARNING(
                    _("No network address found: only this computer can reach the server.")
                )
            )
        self.stdout.write(qr_text(url, tty=self.stdout.isatty()), ending="")
