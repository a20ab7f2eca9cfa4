"""Shared helpers for the browser tests: Debian's Chromium through Playwright,
logging in, collecting script errors, and axe-core for accessibility checks."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from django.db import connections
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.factories import PASSWORD
from tests.servers import ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]
TIMEOUT_MS = 15_000

# axe-core from npm (package-lock.json; `make install` or `npm ci` puts it here).
AXE_PATH = Path(os.environ.get("AXE_PATH") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
# WCAG 2.2 AA: every A and AA rule axe has, from WCAG 2.0 to 2.2.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


# A scripted WebSocket for testing the socket client's rules in the page
# (tests evaluate it inside their own async function): each instance records
# what the page sent (parsed) and lets the test open, feed and drop it.
FAKE_SOCKET = """
  class FakeSocket {
    static OPEN = 1;
    static instances = [];
    constructor(url) {
      this.url = url; this.readyState = 0; this.sent = []; this.listeners = {};
      FakeSocket.instances.push(this);
    }
    addEventListener(type, fn) { (this.listeners[type] ||= []).push(fn); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code = 1000) { this.drop(code); }
    fire(type, event) { for (const fn of this.listeners[type] || []) fn(event); }
    open() { this.readyState = 1; this.fire("open", {}); }
    receive(message) { this.fire("message", { data: JSON.stringify(message) }); }
    drop(code) { this.readyState = 3; this.fire("close", { code }); }
  }
  window.WebSocket = FakeSocket;
"""


@contextmanager
def chromium(executable_path: str) -> Iterator[Browser]:
    """Start Chromium. Playwright's sync API keeps an event loop running in
    this thread while it is active, so touch the database before, not during."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def watch_errors(page: Page, errors: list[str]) -> None:
    """Collect script errors and console errors of a page."""
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        # Chromium logs every refused request; the one 409 below is expected.
        if message.type == "error" and "status of 409" not in message.text:
            errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


def log_in(page: Page, base: str, username: str) -> None:
    """Log in through the form, in English, and land on "My meetings"."""
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="My meetings", level=1)).to_be_visible()


def log_in_by_id(page: Page, base: str, username: str) -> None:
    """Log in through the form in any language: the fields by their ids."""
    page.goto(f"{base}/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).not_to_have_url(re.compile(r"/login/"))


def axe_violations(page: Page, *, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; its violations of `tags`."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the pages' CSP refuses inline scripts.
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate(
        """async (tags) => {
          const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
          return {
            passes: result.passes.length,
            violations: result.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map((n) => ({
                target: n.target.join(" "), summary: n.failureSummary,
              })),
            })),
          };
        }""",
        tags or AXE_TAGS,
    )
    # A page that axe found nothing to check on is a broken test, not a pass.
    assert result["passes"] > 0, f"axe-core checked nothing on {page.url}"
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def describe_violations(where: str, violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines: id, impact, help, and each failing node."""
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = " ".join(str(node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


T = TypeVar("T")


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Database work while Playwright's loop runs in this thread: in a
    thread of its own, which hands its pooled connection back when done
    (a thread that ends holding it keeps it from the pool for good, and the
    suite's later tests then wait for a connection)."""

    def run() -> T:
        try:
            return fn(*args)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
