"""Hall mode (`make hall`, `manage.py hall`): the production settings over
plain HTTP on a laptop, tested as the demo is: a real process on the test
database, real HTTP, and Chromium on the LAN address, where the page is not
a secure context and the board checks Ed25519 with @noble/ed25519."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from meetings.management.commands.lan_address import lan_address
from tests import servers
from tests.frontend.browser import chromium
from tests.servers import ROOT, free_port
from tests.test_settings import SETTINGS_VARIABLES
from voting import keys

STARTED = re.compile(r"Server started \(process (\d+)\)")


@dataclass
class Hall:
    process: subprocess.Popen[bytes]
    log: Path
    port: int
    address: str

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def server_pids(self) -> list[int]:
        return [int(pid) for pid in STARTED.findall(self.output())]


def get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read().decode()
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in error.headers.items()}
        return error.code, headers, error.read().decode()


def wait_until(check: Any, what: str, hall: Hall, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hall.process.poll() is not None:
            raise AssertionError(f"hall exited early:\n{hall.output()}")
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {timeout} s:\n{hall.output()}")


@contextmanager
def hall_process(tmp_path: Path) -> Iterator[Hall]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    env.update(
        HALL_MODE="1",
        DEBUG="0",
        DATABASE_URL=servers.test_database_url(),
        VAR_DIR=str(tmp_path / "var"),
        AUDIT_KEY_PATH=str(settings.AUDIT_KEY_PATH),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL", None)
    log = tmp_path / "hall.log"
    address = lan_address()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "hall", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    hall = Hall(process, log, port, address)
    try:
        wait_until(lambda: get(f"{hall.base}/login/")[0] == 200, "no answer", hall)
        yield hall
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_hall_mode_serves_production_settings_and_restarts_the_server(
    transactional_db: None, tmp_path: Path
) -> None:
    with hall_process(tmp_path) as hall:
        out = hall.output()
        assert f"Phones on the hall's Wi-Fi open: http://{hall.address}:{hall.port}/" in out
        assert "▀" in out or "█" in out  # the QR code
        # Plain HTTP: cookies without Secure, no HSTS, no redirect to HTTPS.
        status, headers, page = get(f"{hall.base}/login/")
        assert status == 200
        assert "csrftoken=" in headers.get("set-cookie", "")
        assert "secure" not in headers["set-cookie"].lower()
        assert "strict-transport-security" not in headers
        # DEBUG is off: the real 404 page, not Django's technical one.
        status, _headers, page = get(f"{hall.base}/no-such-page/")
        assert status == 404 and "Django tried these URL patterns" not in page
        # Static files, the board's fallback verifier among them, come from the app.
        for path in (
            "/static/frontend/board-verify.js",
            "/static/vendor/noble-ed25519/index.js",
            "/static/vendor/noble-hashes/sha2.js",
        ):
            assert get(hall.base + path)[0] == 200, path

        # The supervisor: the server killed, a new one answers.
        [first] = hall.server_pids()
        os.kill(first, signal.SIGKILL)
        pids = wait_until(lambda: len(hall.server_pids()) == 2 and hall.server_pids(), "", hall)
        assert pids[1] != first
        assert "The server stopped (exit code -9)" in hall.output()
        wait_until(lambda: get(f"{hall.base}/login/")[0] == 200, "no answer after restart", hall)

        hall.process.send_signal(signal.SIGTERM)
        assert hall.process.wait(timeout=30) == 0
        assert "Server stopped." in hall.output()


VERIFY_SCRIPT = """
async ([publicKey, signature, message, forceNoble]) => {
  const m = await import("/static/frontend/board-verify.js");
  const bytes = new TextEncoder().encode(message);
  const engine = forceNoble ? "noble" : null;
  const tampered = new TextEncoder().encode(message + " ");
  return {
    secure: window.isSecureContext,
    subtle: Boolean(globalThis.crypto && globalThis.crypto.subtle),
    good: await m.verifyEd25519(publicKey, signature, bytes, engine),
    bad: await m.verifyEd25519(publicKey, signature, tampered, engine),
    noble: Boolean(await m.loadNoble()),
  };
}
"""


@pytest.mark.browser
def test_the_board_checks_signatures_without_webcrypto(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """On the LAN address over plain HTTP the page has no WebCrypto; the
    installation's real signatures still verify, and a tampered one fails."""
    message = '{"poll":1,"receipt":"ABCDEFGHIJKLMNOP"}'
    signature = keys.sign(message.encode())
    public_key = keys.public_key_b64()
    assert base64.b64decode(public_key)
    with hall_process(tmp_path) as hall, chromium(chromium_path) as browser:
        page = browser.new_page()
        on_lan = hall.address != "127.0.0.1"
        page.goto(f"http://{hall.address if on_lan else '127.0.0.1'}:{hall.port}/login/")
        # Where this machine has no LAN address, 127.0.0.1 is a secure context:
        # the check is then forced to the fallback.
        result = page.evaluate(VERIFY_SCRIPT, [public_key, signature, message, not on_lan])
    if on_lan:
        assert result["secure"] is False and result["subtle"] is False
    assert result["noble"] is True
    assert result["good"] is True
    assert result["bad"] is False
