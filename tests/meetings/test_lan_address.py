"""`manage.py lan_address`: the LAN URL and its QR code for `make demo HOST=0.0.0.0`."""

from __future__ import annotations

import ipaddress
from io import StringIO

import pytest
import qrcode
from django.core.management import call_command

from meetings.management.commands import lan_address as command


@pytest.mark.parametrize(
    "host,port,scheme,url",
    [
        ("192.168.1.23", 8000, "http", "http://192.168.1.23:8000/"),
        ("10.0.0.7", 80, "http", "http://10.0.0.7/"),
        ("10.0.0.7", 443, "https", "https://10.0.0.7/"),
        ("10.0.0.7", 8443, "https", "https://10.0.0.7:8443/"),
        ("fd00::5", 8000, "http", "http://[fd00::5]:8000/"),
        ("[fd00::5]", 8000, "http", "http://[fd00::5]:8000/"),
    ],
)
def test_lan_url(host: str, port: int, scheme: str, url: str) -> None:
    assert command.lan_url(host, port, scheme) == url


def test_address_is_an_ipv4_address_of_this_machine() -> None:
    address = ipaddress.ip_address(command.lan_address())
    assert address.version == 4


def test_falls_back_to_the_hostname_then_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "_route_address", lambda probe: None)
    monkeypatch.setattr(command, "_hostname_addresses", lambda: ["127.0.1.1", "192.168.7.9"])
    assert command.lan_address() == "192.168.7.9"
    monkeypatch.setattr(command, "_hostname_addresses", lambda: ["127.0.1.1"])
    assert command.lan_address() == "127.0.0.1"


def test_route_address_wins_and_loopback_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"10.255.255.254": "127.0.0.1", "192.168.255.254": "192.168.1.23"}
    monkeypatch.setattr(command, "_route_address", answers.get)
    monkeypatch.setattr(command, "_hostname_addresses", lambda: ["10.9.9.9"])
    assert command.lan_address() == "192.168.1.23"


def test_prints_the_url_and_a_qr_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "lan_address", lambda: "192.168.1.23")
    out = StringIO()
    call_command("lan_address", "--port", "8001", stdout=out)
    first, *qr_lines = out.getvalue().splitlines()
    assert "http://192.168.1.23:8001/" in first

    reference = qrcode.QRCode(border=2)
    reference.add_data("http://192.168.1.23:8001/")
    reference.make(fit=True)
    size = reference.modules_count + 2 * reference.border
    # Two module rows per text line (half blocks), one character per column.
    assert len(qr_lines) == (size + 1) // 2
    assert {len(line) for line in qr_lines} == {size}
    assert set("".join(qr_lines)) <= {"\xa0", " ", "▀", "▄", "█"}
    assert "█" in "".join(qr_lines)


def test_qr_on_a_terminal_uses_explicit_colours() -> None:
    text = command.qr_text("http://192.168.1.23:8000/", tty=True)
    assert "\x1b[48;5;232m" in text
    assert text.rstrip("\n").endswith("\x1b[0m")


def test_host_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "lan_address", lambda: "10.1.2.3")
    out = StringIO()
    call_command("lan_address", "--host-only", stdout=out)
    assert out.getvalue() == "10.1.2.3\n"
