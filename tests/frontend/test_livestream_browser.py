"""The livestream page end to end in Debian's Chromium: a remote member opens
it from "My meetings", the HLS player starts (natively, or through hls.js
fetched only then), they confirm their presence, follow the chair's agenda
live, see that a room-only poll is not theirs, and vote on a poll open to
remote members and keep the receipt."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, Route, expect

from meetings import attendance, services
from tests.conftest import build_world
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    log_in,
)
from tests.servers import ROOT, daphne_server
from voting import services as voting_services

pytestmark = pytest.mark.browser

STREAM_HOST = "https://stream.example.org"
HLS_URL = f"{STREAM_HOST}/live/union.m3u8"
HLS_JS = "/static/vendor/hls/hls.min.js"
HLS_JS_FILE = ROOT / "node_modules" / "hls.js" / "dist" / "hls.min.js"
RECEIPT = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
ROOM_QUESTION = "Elect the door stewards"
QUESTION = "Adopt the budget"


def watch(page: Page, errors: list[str]) -> None:
    """Script and console errors, except the stream host's refusal (no stream
    is live in a test: the page must say so, not break)."""
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        where = str((message.location or {}).get("url", ""))
        if message.type == "error" and not where.startswith(STREAM_HOST):
            errors.append(f"{page.url}: {message.text} ({where})")

    page.on("console", on_console)


def test_remote_member_watches_follows_and_votes(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    # Everything in the database first: Playwright's loop then owns this thread.
    world = build_world(voters=2, items=3)
    meeting = world.meeting
    services.meeting_update(actor=world.chair, meeting=meeting, livestream_url=HLS_URL)
    attendance.attendance_settings_update(
        actor=world.chair, meeting=meeting, allow_remote_participation=True
    )
    services.meeting_start(actor=world.chair, meeting=meeting)
    voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=ROOM_QUESTION, kind="motion", allow_remote=False
    )
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=QUESTION, kind="motion", allow_remote=True
    )
    title = meeting.title
    chair_login, remote_login = world.chair.username, world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        watch(chair, errors)
        log_in(chair, base, chair_login)
        chair.goto(f"{base}/meetings/{meeting.pk}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        polls = chair.get_by_role("region", name="Polls", exact=True)

        # The remote member, on a laptop. No stream is live: the stream host answers 404.
        remote_context = browser.new_context(viewport={"width": 1280, "height": 800})
        stream_requests: list[str] = []

        def stream_host(route: Route) -> None:
            stream_requests.append(route.request.url)
            route.fulfill(status=404, content_type="text/plain", body="not live")

        remote_context.route(f"{STREAM_HOST}/**", stream_host)
        remote = remote_context.new_page()
        watch(remote, errors)
        requested: list[str] = []
        remote.on("request", lambda request: requested.append(request.url))
        loaded: dict[str, int] = {}

        def on_response(response: Response) -> None:
            loaded.setdefault(response.url, response.status)

        remote.on("response", on_response)
        log_in(remote, base, remote_login)
        card = remote.get_by_role("listitem").filter(has_text=title)
        card.get_by_role("link", name="Watch the livestream").click()
        expect(remote).to_have_url(f"{base}/meetings/{meeting.pk}/live/")
        expect(remote.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(remote.locator("body")).to_have_attribute("data-connection", "open")
        remote.evaluate("window.notReloaded = true")

        # The player: a labelled <video>, HLS natively where the browser can, else hls.js.
        player = remote.get_by_role("region", name="Livestream", exact=True)
        video = player.locator("video")
        expect(video).to_have_count(1)
        expect(video).to_have_attribute("aria-label", f"Livestream of {title}")
        expect(video).to_have_attribute("controls", "")
        native = remote.evaluate(
            "document.querySelector('video').canPlayType('application/vnd.apple.mpegurl') !== ''"
        )
        # Either way the stream host refuses, and the page says so in words.
        expect(player.get_by_role("alert")).to_contain_text(
            "The stream is not available right now."
        )
        hls_requests = [url for url in requested if url.endswith(HLS_JS)]
        if native:
            expect(video).to_have_attribute("data-player", "native")
            assert hls_requests == []
        else:
            expect(video).to_have_attribute("data-player", "hls.js")
            script = remote.locator(f'script[src="{HLS_JS}"]')
            expect(script).to_have_count(1)
            assert HLS_JS_FILE.exists(), f"{HLS_JS_FILE} is missing: run `make install`"
            assert hls_requests == [f"{base}{HLS_JS}"]
            assert loaded[f"{base}{HLS_JS}"] == 200
            assert remote.evaluate("typeof window.Hls") == "function"
        assert stream_requests and all(url.startswith(HLS_URL) for url in stream_requests)
        # The <video> player and its error passes axe as the embedded player does
        # (tests/frontend/test_accessibility.py).
        violations = axe_violations(remote)
        assert violations == [], describe_violations("livestream, video player", violations)
        expect(player.get_by_role("link", name="Open the stream in a new tab")).to_have_attribute(
            "href", HLS_URL
        )
        # "Try again" is there for when the stream starts.
        expect(player.get_by_role("button", name="Try again")).to_be_visible()

        # Presence: "I am following remotely".
        presence = remote.get_by_role("region", name="My presence")
        presence.get_by_role("button", name="I am following remotely: confirm my presence").click()
        expect(remote.locator("#my-presence")).to_have_text("Your presence: Present remotely.")
        expect(presence.get_by_role("button", name="Check out (I am leaving)")).to_be_visible()

        # The chair moves on from the console; the livestream page follows.
        now = remote.get_by_role("region", name="Now").get_by_role("heading")
        expect(now).to_have_text("Item 1")
        chair.get_by_role("button", name="Next", exact=True).click()
        expect(now).to_have_text("Item 2")
        current = remote.get_by_role("list").locator('[aria-current="step"]')
        expect(current).to_contain_text("Item 2")
        expect(remote.locator("#announcer")).to_have_text("Now: Item 2")

        # A poll for members in the room: a sentence, no ballot.
        polls.get_by_role("button", name=f"Open: {ROOM_QUESTION}").click()
        expect(polls.get_by_role("button", name=f"Close: {ROOM_QUESTION}")).to_be_visible()
        voting = remote.get_by_role("region", name="Voting", exact=True)
        expect(voting.get_by_role("heading", name=ROOM_QUESTION, level=2)).to_be_visible()
        expect(voting).to_contain_text(
            "This poll is for members in the room; remote members cannot vote on it."
        )
        expect(voting.get_by_role("group", name="Your vote")).to_have_count(0)
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        polls.get_by_role("button", name=f"Close: {ROOM_QUESTION}").click()
        expect(remote.locator("#announcer")).to_have_text("Voting closed")

        # A poll open to remote members: the ballot, and the receipt.
        polls.get_by_role("button", name=f"Open: {QUESTION}").click()
        expect(remote.locator("#announcer")).to_have_text(f"Voting is open: {QUESTION}")
        ballot = voting.get_by_role("group", name="Your vote")
        expect(ballot).to_be_visible()
        ballot.get_by_role("radio", name="Yes").check()
        voting.get_by_role("button", name="Review my vote").click()
        voting.get_by_role("button", name="Cast my vote").click()
        expect(voting.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        expect(remote.locator("#announcer")).to_have_text("Your vote was counted")
        code = voting.locator(".receipt-code").inner_text().strip()
        assert RECEIPT.match(code), code
        expect(polls.locator(".turnout-text")).to_contain_text("1 of 3 voted")
        expect(remote.locator(f"#turnout-{poll.pk}")).to_have_text("1 of 3 has voted")

        # Wide screen: the player and the live parts side by side, nothing sideways.
        boxes = remote.evaluate(
            """() => ['.live-player', '.live-side'].map((s) => {
                 const r = document.querySelector(s).getBoundingClientRect();
                 return [r.left, r.right];
               })"""
        )
        assert boxes[0][1] <= boxes[1][0] or boxes[1][1] <= boxes[0][0], boxes
        assert remote.evaluate("document.documentElement.scrollWidth") <= 1280
        assert remote.evaluate("window.notReloaded") is True

        # On a phone the same page stacks, without sideways scrolling.
        remote.set_viewport_size({"width": 390, "height": 844})
        stacked = remote.evaluate(
            """() => [document.querySelector('.live-player').getBoundingClientRect().bottom,
                     document.querySelector('.live-side').getBoundingClientRect().top]"""
        )
        assert stacked[0] <= stacked[1], stacked
        assert remote.evaluate("document.documentElement.scrollWidth") <= 390

    assert errors == []


# A browser without native HLS (Chromium before version 141, Firefox): made
# here by hiding Chromium's own HLS support from the page.
NO_NATIVE_HLS = """
(() => {
  const canPlayType = HTMLMediaElement.prototype.canPlayType;
  HTMLMediaElement.prototype.canPlayType = function (type) {
    return /mpegurl/i.test(type) ? "" : canPlayType.call(this, type);
  };
})();
"""


def test_hls_js_is_fetched_only_where_the_browser_cannot_play_hls(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=1, items=1)
    meeting = world.meeting
    services.meeting_update(actor=world.chair, meeting=meeting, livestream_url=HLS_URL)
    member_login = world.voters[0].username
    live_url = f"/meetings/{meeting.pk}/live/"
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path) as base,
        chromium(chromium_path) as browser,
    ):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(NO_NATIVE_HLS)
        manifests: list[str] = []

        def stream_host(route: Route) -> None:
            manifests.append(route.request.url)
            route.fulfill(status=404, content_type="text/plain", body="not live")

        context.route(f"{STREAM_HOST}/**", stream_host)
        page = context.new_page()
        watch(page, errors)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        log_in(page, base, member_login)

        # The member page never loads hls.js.
        page.goto(f"{base}/meetings/{meeting.pk}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        expect(page.get_by_role("link", name="Watch the livestream")).to_be_visible()
        assert not [url for url in requested if "hls" in url]

        # The livestream page does, once, and hands it the playlist.
        page.get_by_role("link", name="Watch the livestream").click()
        expect(page).to_have_url(f"{base}{live_url}")
        player = page.get_by_role("region", name="Livestream", exact=True)
        video = player.locator("video")
        expect(video).to_have_attribute("data-player", "hls.js")
        expect(page.locator(f'script[src="{HLS_JS}"]')).to_have_count(1)
        if not HLS_JS_FILE.exists():
            pytest.fail(f"{HLS_JS_FILE} is missing: run `make install`")
        expect(player.get_by_role("alert")).to_contain_text(
            "The stream is not available right now."
        )
        assert [url for url in requested if url.endswith(HLS_JS)] == [f"{base}{HLS_JS}"]
        assert page.evaluate("typeof window.Hls") == "function"
        assert manifests and manifests[0] == HLS_URL

        # hls.js that cannot be fetched: a readable message, and the plain link.
        broken = browser.new_context(viewport={"width": 390, "height": 844})
        broken.add_init_script(NO_NATIVE_HLS)
        broken.route(f"{STREAM_HOST}/**", stream_host)
        broken.route(f"**{HLS_JS}", lambda route: route.abort())
        second = broken.new_page()
        second.on("pageerror", lambda exc: errors.append(f"{second.url}: {exc}"))
        log_in(second, base, member_login)
        second.goto(f"{base}{live_url}")
        second_player = second.get_by_role("region", name="Livestream", exact=True)
        expect(second_player.get_by_role("alert")).to_contain_text(
            "The video player could not be loaded. Open the stream in a new tab instead."
        )
        expect(
            second_player.get_by_role("link", name="Open the stream in a new tab")
        ).to_have_attribute("href", HLS_URL)
        assert second.evaluate("typeof window.Hls") == "undefined"

    assert errors == []
