"""Smoke test of a running compose stack, through nginx only (deploy/offline/trial.sh).

    python3 deploy/offline/smoke.py --host meet.example.org --https-port 443 \\
        --http-port 80 --cafile deploy/certs/fullchain.pem --replicas 2 \\
        --project meetings [--username U --password P]

Standard library only, so it runs with the system's python3. It checks: HTTP
redirects to HTTPS; the login page answers 200 over TLS (the certificate
checked against --cafile); nginx serves a static file the page links; the
API schema answers; the API refuses an anonymous caller; with a user, the
login form signs in and the API says who is signed in; a WebSocket
handshake to /ws/meetings/<id>/ is upgraded (101) and the app's own close
code comes back (4401 anonymous, 4404 signed in with no such meeting); with
--demo, the demo chair's socket to the demo meeting gets its first frame; and
with --project, every one of the app service's N containers answered some
of the proxied requests (its access log) and is healthy. Exit 1 on the
first failure.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
from http.cookies import SimpleCookie

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_NO_MEETING = 4404


class Smoke:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.context = ssl.create_default_context(cafile=args.cafile)
        self.cookies: dict[str, str] = {}

    def connection(self) -> http.client.HTTPSConnection:
        # Connect to the published port; TLS names the site (SNI, certificate check).
        conn = http.client.HTTPSConnection(
            self.args.address, self.args.https_port, context=self.context, timeout=30
        )
        conn.sock = self.context.wrap_socket(
            socket.create_connection((self.args.address, self.args.https_port), timeout=30),
            server_hostname=self.args.host,
        )
        return conn

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = self.connection()
        sent = {"Host": self.args.host, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


def wait_for_nginx(smoke: Smoke, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            status, _, _ = smoke.request("GET", "/login/")
            if status == 200:
                return
        except (OSError, http.client.HTTPException) as exc:
            status = exc  # type: ignore[assignment]
        if time.monotonic() > deadline:
            check(False, f"nginx answers /login/ within {seconds:.0f} s (last: {status})")
        time.sleep(2)


def websocket_close_code(smoke: Smoke, meeting_id: int) -> tuple[str, int | None]:
    """Open /ws/meetings/<id>/ through nginx; the status line and the close code the app sends."""
    status, opcode, payload = websocket_first_frame(smoke, meeting_id)
    if opcode != 8:
        return status, None
    return status, int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None


def websocket_first_frame(smoke: Smoke, meeting_id: int) -> tuple[str, int | None, bytes]:
    """Open /ws/meetings/<id>/ through nginx; the status line, and the opcode
    and payload of the first text or close frame the app sends."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET /ws/meetings/{meeting_id}/ HTTP/1.1",
        f"Host: {smoke.args.host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        f"Origin: https://{smoke.args.host}",
    ]
    if smoke.cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in smoke.cookies.items()))
    sock = smoke.context.wrap_socket(
        socket.create_connection((smoke.args.address, smoke.args.https_port), timeout=30),
        server_hostname=smoke.args.host,
    )
    with sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in status + " ":
            return status, None, b""
        # Frames until a close frame (opcode 8): its first two bytes are the code.
        while True:
            while len(rest) < 2:
                chunk = sock.recv(4096)
                if not chunk:
                    return status, None, b""
                rest += chunk
            opcode, length = rest[0] & 0x0F, rest[1] & 0x7F
            offset = 2
            if length == 126:
                length, offset = int.from_bytes(rest[2:4], "big"), 4
            elif length == 127:
                length, offset = int.from_bytes(rest[2:10], "big"), 10
            while len(rest) < offset + length:
                chunk = sock.recv(4096)
                if not chunk:
                    return status, None, b""
                rest += chunk
            payload, rest = rest[offset : offset + length], rest[offset + length :]
            if opcode in (1, 8):
                return status, opcode, payload


def replicas(project: str) -> list[str]:
    out = subprocess.run(
        [
            "docker", "ps", "-q",
            "--filter", f"label=com.docker.compose.project={project}",
            "--filter", "label=com.docker.compose.service=app",
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return out.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="MEETINGS_HOST")
    parser.add_argument("--address", default="127.0.0.1", help="where nginx's ports are published")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--cafile", required=True, help="the certificate nginx presents")
    parser.add_argument("--replicas", type=int, default=0, help="N app containers to expect")
    parser.add_argument("--project", help="the compose project, to look at each app container")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--demo", help="seed_demo --json output: join its meeting as the chair")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for nginx")
    args = parser.parse_args()
    smoke = Smoke(args)
    started = time.monotonic()

    wait_for_nginx(smoke, args.wait)
    conn = http.client.HTTPConnection(args.address, args.http_port, timeout=30)
    conn.request("GET", "/login/", headers={"Host": args.host})
    response = conn.getresponse()
    check(
        response.status == 301 and response.getheader("Location") == f"https://{args.host}/login/",
        f"http://{args.host}/login/ -> 301 {response.getheader('Location')}",
    )
    conn.close()

    status, headers, body = smoke.request("GET", "/login/")
    page = body.decode()
    check(status == 200 and "csrfmiddlewaretoken" in page, f"GET /login/ over TLS -> {status}")
    check("csrftoken" in smoke.cookies, "the login page sets the CSRF cookie")
    static = re.search(r'(?:href|src)="(/static/[^"?#]+)"', page)
    check(static is not None, "the login page links a static file")
    assert static is not None
    status, headers, _ = smoke.request("GET", static.group(1))
    check(
        status == 200 and headers.get("cache-control") == "no-cache",
        f"GET {static.group(1)} (nginx, from the static volume) -> {status}",
    )

    status, _, body = smoke.request("GET", "/api/schema/", headers={"Accept": "application/json"})
    check(status == 200 and b"openapi" in body, f"GET /api/schema/ -> {status}")
    status, _, _ = smoke.request("GET", "/api/auth/me/", headers={"Accept": "application/json"})
    check(status in (401, 403), f"GET /api/auth/me/ anonymous -> {status}")

    upgrade, code = websocket_close_code(smoke, 1)
    check(
        " 101 " in upgrade + " " and code == CLOSE_NOT_LOGGED_IN,
        f"WebSocket /ws/meetings/1/ anonymous -> {upgrade!r}, close code {code}",
    )

    if args.username and args.password:
        form = (
            f"csrfmiddlewaretoken={smoke.cookies['csrftoken']}"
            f"&username={args.username}&password={args.password}"
        )
        status, headers, _ = smoke.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{args.host}",
                "Referer": f"https://{args.host}/login/",
            },
        )
        check(status == 302, f"POST /login/ -> {status} {headers.get('location')}")
        status, _, body = smoke.request(
            "GET", "/api/auth/me/", headers={"Accept": "application/json"}
        )
        me = json.loads(body) if status == 200 else {}
        check(
            status == 200 and args.username in json.dumps(me),
            f"GET /api/auth/me/ signed in -> {status}",
        )
        upgrade, code = websocket_close_code(smoke, 999999)
        check(
            " 101 " in upgrade + " " and code == CLOSE_NO_MEETING,
            f"WebSocket /ws/meetings/999999/ signed in -> {upgrade!r}, close code {code}",
        )

    if args.demo:
        # The demo meeting (seed_demo --json): its chair's socket gets the
        # meeting's snapshot, having joined the meeting's group in Redis.
        with open(args.demo) as file:
            demo = json.load(file)
        chair = next(a for a in demo["accounts"] if a["role"] == "chair")
        smoke.cookies.clear()
        smoke.request("GET", "/login/")
        status, _, _ = smoke.request(
            "POST",
            "/login/",
            body=(
                f"csrfmiddlewaretoken={smoke.cookies['csrftoken']}"
                f"&username={chair['username']}&password={chair['password']}"
            ),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{args.host}",
                "Referer": f"https://{args.host}/login/",
            },
        )
        check(status == 302, f"the demo chair signs in -> {status}")
        meeting = demo["meeting_id"]
        upgrade, opcode, payload = websocket_first_frame(smoke, meeting)
        frame = json.loads(payload) if opcode == 1 else {}
        check(
            " 101 " in upgrade + " " and opcode == 1 and isinstance(frame, dict),
            f"WebSocket /ws/meetings/{meeting}/ as the chair -> first frame "
            f"{str(frame.get('type', opcode))!r} ({len(payload)} bytes)",
        )

    if args.project:
        # Round robin over the replicas: a few rounds reach every one.
        for _ in range(4 * max(args.replicas, 1)):
            smoke.request("GET", "/api/schema/", headers={"Accept": "application/json"})
        containers = replicas(args.project)
        check(
            len(containers) == args.replicas,
            f"{len(containers)} app containers (expected {args.replicas})",
        )
        for container in containers:
            logs = subprocess.run(
                ["docker", "logs", container], capture_output=True, text=True, check=True
            )
            served = (logs.stdout + logs.stderr).count("/api/schema/")
            health = subprocess.run(
                ["docker", "inspect", "-f", "{{.Name}} {{.State.Health.Status}}", container],
                capture_output=True, text=True, check=True,
            ).stdout.split()  # fmt: skip
            check(
                served > 0 and health[1] == "healthy",
                f"app container {health[0].lstrip('/')}: {health[1]}, answered {served} "
                "proxied /api/schema/ requests",
            )
    print(f"smoke test passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
