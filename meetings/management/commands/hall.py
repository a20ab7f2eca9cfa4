"""`python manage.py hall` (`make hall`): run the server on a laptop for a
hall's own Wi-Fi, with no internet (docs/deploy.md, "Hall mode").

Needs HALL_MODE=1 and DEBUG=0 (the production settings, minus HTTPS). It
migrates, makes the audit key if there is none, prints the address phones
open and its QR code, then runs the server (`python -m config.serve`, the
access log masked) and starts it again whenever it stops, until Ctrl+C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from meetings.management.commands.lan_address import lan_address, lan_url, qr_text

# A server that keeps failing at once is started again at most this often.
MAX_BACKOFF_SECONDS = 10.0
# Up this long, a run counts as healthy: the next failure waits only a second.
HEALTHY_SECONDS = 30.0


def server_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "config.serve",
        "-b",
        host,
        "-p",
        str(port),
        "config.asgi:application",
    ]


class Command(BaseCommand):
    help = _("Run the server for a hall's own Wi-Fi, restarting it if it stops.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help=_("The server's port."))
        parser.add_argument(
            "--bind", default="0.0.0.0", help=_("The address to listen on (all by default).")
        )
        parser.add_argument(
            "--address",
            default="",
            help=_("The address phones use (found on the network by default)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.HALL_MODE or settings.DEBUG:
            raise CommandError(_("Hall mode needs HALL_MODE=1 and DEBUG=0 (use `make hall`)."))
        port: int = options["port"]
        address: str = options["address"] or lan_address()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("audit_keygen", stdout=self.stdout)
        call_command("check", "--deploy", "--fail-level", "WARNING")
        url = lan_url(address, port)
        self.stdout.write(_("Phones on the hall's Wi-Fi open: %(url)s") % {"url": url})
        self.stdout.write(qr_text(url, tty=self.stdout.isatty()), ending="")
        hosts = {address, "127.0.0.1", "localhost", *settings.ALLOWED_HOSTS}
        env = {**os.environ, "ALLOWED_HOSTS": ",".join(sorted(h for h in hosts if h))}
        self.supervise(server_command(options["bind"], port), env)

    def supervise(self, command: list[str], env: dict[str, str]) -> None:
        """Run `command`; start it again when it exits, until SIGINT/SIGTERM."""
        stopping = False
        child: subprocess.Popen[bytes] | None = None

        def stop(signum: int, _frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            if child is not None and child.poll() is None:
                child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        backoff = 1.0
        while not stopping:
            started = time.monotonic()
            child = subprocess.Popen(command, env=env)
            self.stdout.write(_("Server started (process %(pid)s).") % {"pid": child.pid})
            self.stdout.flush()
            code = child.wait()
            if stopping:
                break
            backoff = 1.0 if time.monotonic() - started > HEALTHY_SECONDS else backoff
            self.stderr.write(
                _("The server stopped (exit code %(code)s); starting it again in %(s)s s.")
                % {"code": code, "s": round(backoff)}
            )
            self.stderr.flush()
            deadline = time.monotonic() + backoff
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.1)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        if child is not None:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        self.stdout.write(_("Server stopped."))
