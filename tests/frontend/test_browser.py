"""End to end in Debian's Chromium: the chair advances the agenda from the
console; the projector and a member's phone follow live, without reloading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.frontend.browser import FAKE_SOCKET, TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser


def test_chair_advances_and_projector_and_phone_follow_live(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=3)
    title = world.meeting.title
    chair_login, voter_login = world.chair.username, world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        # The chair, on a laptop: log in, open the meeting, then its console.
        chair = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        chair.get_by_role("link", name=title).click()
        chair.get_by_role("link", name="Open the chair console").click()
        expect(chair.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")

        # The chair creates a projector link; a room PC opens it, no login.
        chair.get_by_role("button", name="Create projector link").click()
        link = chair.get_by_role("region", name="Projector").get_by_role("link")
        expect(link).to_be_visible()
        projector_url = link.get_attribute("href")
        assert projector_url is not None and projector_url.startswith(base)
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(projector_url)
        expect(projector.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(projector.locator("#connection")).to_have_text("Connected")
        # Before the start the room sees the welcome: the meeting and a code to join.
        welcome = projector.get_by_role("region", name=title)
        expect(welcome.get_by_role("heading", name=title, level=2)).to_be_visible()
        expect(
            welcome.get_by_role("img", name="QR code to open this meeting on your phone")
        ).to_be_visible()
        projector_now = projector.get_by_role("region", name="Now").get_by_role("heading")

        # A member, on a phone, in a context of their own.
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        watch_errors(phone, errors)
        log_in(phone, base, voter_login)
        phone.get_by_role("link", name=title).click()
        phone_now = phone.get_by_role("region", name="Now").get_by_role("heading")
        expect(phone_now).to_have_text("The meeting has not started yet.")
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        # Marks that survive only as long as the pages are not reloaded.
        phone.evaluate("window.notReloaded = true")
        projector.evaluate("window.notReloaded = true")

        # The chair starts the meeting: the first item becomes current.
        chair.get_by_role("button", name="Start meeting").click()
        expect(chair.locator("#meeting-status")).to_have_text("Live")
        expect(phone_now).to_have_text("Item 1")
        expect(projector_now).to_have_text("Item 1")

        # A refused command shows the server's reason in the alert region.
        chair.get_by_role("button", name="Previous", exact=True).click()
        expect(chair.get_by_role("alert")).to_have_text("This is the first agenda item.")

        # ... and moves on with "Next".
        chair.get_by_role("button", name="Next", exact=True).click()
        expect(chair.locator("#current-title")).to_have_text("Item 2")
        expect(chair.get_by_role("alert")).to_have_text("")
        expect(projector_now).to_have_text("Item 2")
        expect(projector.locator("#next-title")).to_have_text("Item 3")
        expect(phone_now).to_have_text("Item 2")
        current = phone.get_by_role("list").locator('[aria-current="step"]')
        expect(current).to_have_count(1)
        expect(current).to_contain_text("Now")
        expect(current).to_contain_text("Item 2")
        expect(phone.locator("#announcer")).to_have_text("Now: Item 2")

        assert phone.evaluate("window.notReloaded") is True
        assert projector.evaluate("window.notReloaded") is True
        # The phone page fits a 390 px screen: no sideways scrolling.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    assert errors == []


# The socket client's rules, run in Chromium against a scripted fake socket:
# deterministic, no waiting on timers.
SOCKET_SCRIPT = (
    """
async () => {
"""
    + FAKE_SOCKET
    + """
  const m = await import("/static/frontend/meeting-socket.js");
  const banner = document.createElement("div");
  document.body.append(banner);
  const snapshots = [], events = [], r = {};
  const socket = new m.MeetingSocket({
    meetingId: 7, banner, loginUrl: "/login/?next=/meetings/7/",
    onSnapshot: (s) => snapshots.push(s.seq), onEvent: (e) => events.push(e.seq),
  }).start();
  const first = FakeSocket.instances[0];
  r.url = first.url;
  first.open();
  first.receive({ type: "agenda.changed", seq: 3 });   // before the snapshot: ignored
  first.receive({ type: "snapshot", seq: 5 });
  first.receive({ type: "agenda.changed", seq: 5 });   // already in the snapshot
  first.receive({ type: "agenda.changed", seq: 6 });   // applied
  first.receive({ type: "agenda.changed", seq: 6 });   // a duplicate: ignored
  first.receive({ type: "agenda.changed", seq: 8 });   // gap: resync
  first.receive({ type: "agenda.changed", seq: 9 });   // waiting for the snapshot
  first.receive({ type: "snapshot", seq: 9 });
  first.receive({ type: "agenda.changed", seq: 10 });  // applied
  r.sent = first.sent;
  r.events = events.slice();
  r.snapshots = snapshots.slice();

  first.drop(1006);                                    // the network went away
  r.bannerWhileDown = banner.textContent;
  r.stateWhileDown = document.body.dataset.connection;
  r.socketsWhileWaiting = FakeSocket.instances.length;
  window.dispatchEvent(new Event("online"));           // back: reconnect at once
  r.socketsAfterOnline = FakeSocket.instances.length;
  const second = FakeSocket.instances[1];
  second.open();
  second.receive({ type: "snapshot", seq: 12 });
  r.bannerAfterSnapshot = banner.textContent;
  second.receive({ type: "agenda.changed", seq: 13 });

  second.drop(1001);
  document.dispatchEvent(new Event("visibilitychange")); // the phone woke up
  r.socketsAfterVisible = FakeSocket.instances.length;
  const third = FakeSocket.instances[2];
  third.open();
  third.receive({ type: "snapshot", seq: 13 });
  third.drop(4401);                                    // logged out: final
  r.finalBanner = banner.textContent;
  r.loginLink = banner.querySelector("a") && banner.querySelector("a").getAttribute("href");
  window.dispatchEvent(new Event("online"));
  document.dispatchEvent(new Event("visibilitychange"));
  r.socketsAfterFinal = FakeSocket.instances.length;
  r.stateAfterFinal = document.body.dataset.connection;
  r.allEvents = events;
  r.allSnapshots = snapshots;
  r.delays = [0, 1, 2, 3, 4, 5, 10, 30].map((a) => [
    m.backoffDelay(a, () => 0), m.backoffDelay(a, () => 0.999999),
  ]);
  socket.stop();
  return r;
}
"""
)


def test_socket_client_orders_events_resyncs_and_reconnects(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_page()
        page.goto(f"{base}/login/")
        result = page.evaluate(SOCKET_SCRIPT)

    assert result["url"] == f"{base.replace('http', 'ws')}/ws/meetings/7/"
    assert result["snapshots"] == [5, 9]
    assert result["events"] == [6, 10]
    assert result["sent"] == [{"type": "resync"}]

    assert result["bannerWhileDown"] == "Reconnecting…"
    assert result["stateWhileDown"] == "reconnecting"
    assert result["socketsWhileWaiting"] == 1  # waiting out the backoff
    assert result["socketsAfterOnline"] == 2
    assert result["bannerAfterSnapshot"] == ""
    assert result["socketsAfterVisible"] == 3

    assert "Log in again" in result["finalBanner"]
    assert result["loginLink"] == "/login/?next=/meetings/7/"
    assert result["socketsAfterFinal"] == 3  # no retry after a final close code
    assert result["stateAfterFinal"] == "final"
    assert result["allSnapshots"] == [5, 9, 12, 13]
    assert result["allEvents"] == [6, 10, 13]

    # Exponential with jitter in [half, full], capped near 15 s.
    lows, highs = zip(*result["delays"], strict=True)
    assert list(highs[:6]) == [500, 1000, 2000, 4000, 8000, 15000]
    assert all(low * 2 == high for low, high in zip(lows, highs, strict=True))
    assert max(highs) == 15000
