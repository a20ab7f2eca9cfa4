"""Pages on a network that refuses WebSockets, in Debian's Chromium: they
follow the meeting over HTTP (live.follow), say so in plain words, and a
member still votes, with a receipt, counted once; when the socket comes back
mid-poll, the pages switch back to it and nothing is counted twice. Then the
client's switching rules, driven through a scripted socket and HTTP."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, Route, WebSocketRoute, expect

from meetings import services
from meetings.models import Member
from tests.conftest import build_world
from tests.frontend.browser import (
    FAKE_SOCKET,
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    watch_errors,
)
from tests.servers import daphne_server
from voting import services as voting_services
from voting.models import Ballot, RollMark

pytestmark = pytest.mark.browser

QUESTION = "Adopt the budget"
RECEIPT = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
SLOWER = "Live updates are slower on this network."
STREAM_HOST = "https://stream.example.org"
# Playwright's expectations wait this long where the page retries in the
# background (its socket backoff is capped near 15 s).
BACKGROUND_MS = 30_000


def session_cookie(member: Member) -> str:
    client = Client()
    client.force_login(member)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass
class Meeting:
    id: int
    poll_id: int
    projector_token: str
    chair: str
    voter: str
    arabic_voter: str
    items: list[str]


def build_meeting(*, open_poll: bool = False) -> Meeting:
    """A live meeting with a livestream link and a motion (a draft, or open)."""
    world = build_world(voters=3, items=3)
    meeting = world.meeting
    services.meeting_update(
        actor=world.chair, meeting=meeting, livestream_url=f"{STREAM_HOST}/live/union.m3u8"
    )
    services.meeting_start(actor=world.chair, meeting=meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=QUESTION, kind="motion"
    )
    if open_poll:
        voting_services.poll_open(actor=world.chair, poll=poll)
    services.member_language_set(actor=world.voters[1], language="ar")
    return Meeting(
        id=meeting.pk,
        poll_id=poll.pk,
        projector_token=services.projector_link_create(actor=world.chair, meeting=meeting),
        chair=session_cookie(world.chair),
        voter=session_cookie(world.voters[0]),
        arabic_voter=session_cookie(world.voters[1]),
        items=[item.title for item in world.items],
    )


class Sockets:
    """A network that refuses WebSockets until `allow` is set; counts the tries."""

    def __init__(self, context: BrowserContext) -> None:
        self.allow = False
        self.refused = 0
        context.route_web_socket(re.compile(r".*/ws/meetings/.*"), self.handle)

    def handle(self, ws: WebSocketRoute) -> None:
        if self.allow:
            ws.connect_to_server()
        else:
            self.refused += 1
            ws.close(code=1006, reason="refused by the network")


def new_context(browser: Browser, base: str, session: str | None, **options: Any) -> BrowserContext:
    context = browser.new_context(**options)
    if session:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    # No stream is live in a test; the player says so and the page goes on.
    context.route(
        f"{STREAM_HOST}/**",
        lambda route: route.fulfill(status=404, content_type="text/plain", body="not live"),
    )
    return context


def phone(browser: Browser, base: str, session: str) -> BrowserContext:
    return new_context(
        browser,
        base,
        session,
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )


def following_over_http(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-connection", "fallback")


def vote_yes(page: Page) -> None:
    ballot = page.get_by_role("group", name="Your vote")
    ballot.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()


def counted(poll_id: int) -> tuple[int, int]:
    return (
        Ballot.objects.filter(poll_id=poll_id).count(),
        RollMark.objects.filter(roll_entry__poll_id=poll_id).count(),
    )


def test_without_websockets_pages_follow_and_a_member_votes_once(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    meeting = build_meeting()
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    ballot_posts: list[dict[str, Any]] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        # The chair's console, the member's phone, the projector and the
        # livestream page, all on networks that refuse WebSockets.
        chair_context = new_context(
            browser, base, meeting.chair, viewport={"width": 1280, "height": 800}
        )
        chair_sockets = Sockets(chair_context)
        chair = chair_context.new_page()
        watch_errors(chair, errors)
        chair.goto(f"{base}/meetings/{meeting.id}/chair/")

        member_context = phone(browser, base, meeting.voter)
        member_sockets = Sockets(member_context)
        member = member_context.new_page()
        watch_errors(member, errors)
        member.on(
            "request",
            lambda request: (
                ballot_posts.append(json.loads(request.post_data or "{}"))
                if request.url.endswith(f"/api/polls/{meeting.poll_id}/ballots/")
                else None
            ),
        )
        member.goto(f"{base}/meetings/{meeting.id}/")

        projector_context = new_context(
            browser, base, None, viewport={"width": 1280, "height": 720}
        )
        projector_sockets = Sockets(projector_context)
        projector = projector_context.new_page()
        watch_errors(projector, errors)
        follow_requests: list[str] = []
        projector.on(
            "request",
            lambda request: (
                follow_requests.append(
                    f"{request.url} {request.headers.get('x-projector-token', '')}"
                )
                if "/follow/" in request.url
                else None
            ),
        )
        projector.goto(f"{base}/projector/{meeting.projector_token}/")

        remote_context = phone(browser, base, meeting.voter)
        Sockets(remote_context)
        remote = remote_context.new_page()
        remote.goto(f"{base}/meetings/{meeting.id}/live/")

        # Each page tried the socket a few times, then follows over HTTP and
        # says so in plain words (the projector in its indicator).
        for page in (chair, member, remote):
            following_over_http(page)
            expect(page.locator("#connection-banner")).to_have_text(SLOWER)
        following_over_http(projector)
        expect(projector.locator("#connection")).to_have_text("Connected, slower updates")
        assert min(chair_sockets.refused, member_sockets.refused, projector_sockets.refused) >= 3
        # The projector's token travels in its cookie, never in the URL or a header.
        assert follow_requests and all(
            meeting.projector_token not in line for line in follow_requests
        )
        assert all("as=projector" in line for line in follow_requests)
        assert projector.url == f"{base}/meetings/{meeting.id}/projector/"

        # The chair moves on: every page shows it within a few seconds.
        now = member.get_by_role("region", name="Now").get_by_role("heading")
        expect(now).to_have_text(meeting.items[0])
        started = time.monotonic()
        chair.get_by_role("button", name="Next", exact=True).click()
        expect(now).to_have_text(meeting.items[1], timeout=5000)
        member_delay = time.monotonic() - started
        expect(projector.locator("#current-title")).to_have_text(meeting.items[1], timeout=5000)
        expect(remote.locator("#current-title")).to_have_text(meeting.items[1], timeout=5000)
        expect(chair.locator("#current-title")).to_have_text(meeting.items[1], timeout=5000)
        assert member_delay < 5, member_delay

        # The chair opens the motion; the phone shows the ballot, and the vote
        # goes over HTTP: a receipt, at once.
        polls = chair.get_by_role("region", name="Polls", exact=True)
        polls.get_by_role("button", name=f"Open: {QUESTION}").click()
        expect(polls.get_by_role("button", name=f"Close: {QUESTION}")).to_be_visible()
        expect(member.locator("#announcer")).to_have_text(f"Voting is open: {QUESTION}")
        vote_yes(member)
        expect(member.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        code = member.locator(".receipt-code").inner_text().strip()
        assert RECEIPT.match(code), code
        # One ballot, one nonce; the receipt is the server's, not the nonce.
        nonces = {post["nonce"] for post in ballot_posts}
        assert len(nonces) == 1 and code.replace("-", "") not in nonces
        expect(member.get_by_text("Not confirmed yet", exact=False)).to_have_count(0)

        # The room sees the turnout, then the result, without a socket.
        expect(projector.locator(".turnout-text")).to_have_text(
            re.compile(r"^1 of 4 voted"), timeout=10_000
        )
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        polls.get_by_role("button", name=f"Close: {QUESTION}").click()
        sentence = projector.locator(".result-sentence")
        expect(sentence).to_contain_text("Carried")
        expect(member.locator(".result-sentence")).to_have_text(sentence.inner_text())
        expect(member.locator("#connection-banner")).to_have_text(SLOWER)
    assert counted(meeting.poll_id) == (1, 1)
    assert errors == []


def test_socket_back_mid_poll_confirms_the_same_ballot_once(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """The phone casts over HTTP and its answer is lost on the way back; the
    network then lets WebSockets through. The phone switches to the socket,
    sends the same ballot again there, and gets the original receipt."""
    meeting = build_meeting(open_poll=True)
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    posted: list[str] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        context = phone(browser, base, meeting.voter)
        sockets = Sockets(context)
        page = context.new_page()
        watch_errors(page, errors)

        def lose_the_answer(route: Route) -> None:
            body = json.loads(route.request.post_data or "{}")
            posted.append(body["nonce"])
            if len(posted) == 1:
                route.fetch()  # the server counts it; the phone never hears back
            route.abort("connectionreset")

        context.route(f"**/api/polls/{meeting.poll_id}/ballots/", lose_the_answer)
        page.goto(f"{base}/meetings/{meeting.id}/")
        following_over_http(page)
        vote_yes(page)
        expect(page.locator(f"#ballot-{meeting.poll_id}-self")).to_have_attribute(
            "data-step", "sending"
        )
        pending = page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:pending:'))"
        )
        assert len(pending) == 1

        # WebSockets get through again: the page switches back by itself.
        sockets.allow = True
        expect(page.locator("body")).to_have_attribute(
            "data-connection", "open", timeout=BACKGROUND_MS
        )
        expect(page.locator("#connection-banner")).to_have_text("")
        expect(page.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        code = page.locator(".receipt-code").inner_text().strip().replace("-", "")
        # The lost answer's ballot was sent again under its nonce (never shown);
        # the receipt shown is the server's, and the ballot counted once (below).
        assert len(set(posted)) == 1 and code not in posted
        stored = page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:'))"
        )
        assert len(stored) == 1 and stored[0].startswith("uvote:receipt:")
    assert counted(meeting.poll_id) == (1, 1)
    errors = [e for e in errors if "ERR_CONNECTION_RESET" not in e]
    assert errors == []


@pytest.mark.parametrize("language", ["en", "ar"])
def test_fallback_state_reads_well_on_a_small_phone(
    transactional_db: None, chromium_path: str, tmp_path: Path, language: str
) -> None:
    meeting = build_meeting(open_poll=True)
    session = meeting.voter if language == "en" else meeting.arabic_voter
    expected = {"en": SLOWER, "ar": "التحديثات المباشرة أبطأ على هذه الشبكة."}[language]
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        context = phone(browser, base, session)
        Sockets(context)
        page = context.new_page()
        watch_errors(page, errors)
        page.goto(f"{base}/meetings/{meeting.id}/")
        following_over_http(page)
        banner = page.locator("#connection-banner")
        expect(banner).to_have_text(expected)
        assert banner.get_attribute("role") == "status"
        assert banner.get_attribute("aria-live") == "polite"
        expect(page.locator("#voting fieldset")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        violations = axe_violations(page)
        assert violations == [], describe_violations(f"fallback-{language}", violations)
        page.screenshot(path=str(shots / f"fallback-{language}.png"))
    assert errors == []


# The switching rules in Chromium, against a scripted socket and a scripted
# HTTP endpoint, with timers run by hand: deterministic, no waiting.
SWITCH_SCRIPT = (
    """
async () => {
"""
    + FAKE_SOCKET
    + """
  const timers = [];  // never spliced: a timer's id is its index + 1
  window.setTimeout = (fn, ms = 0) => { timers.push({ fn, ms }); return timers.length; };
  window.clearTimeout = (id) => { if (id && timers[id - 1]) timers[id - 1].fn = null; };
  window.setInterval = () => 0;
  // Backoffs only (at most 15 s); a request's 35 s give-up timer stays pending.
  const runTimers = () => {
    for (const t of timers.filter((t) => t.fn && t.ms <= 15000)) {
      const fn = t.fn;
      if (!fn) continue;
      t.fn = null;
      fn();
    }
  };
  const settle = () => new Promise((resolve) => queueMicrotask(() => setTimeoutReal(resolve, 0)));
  const answers = [];  // resolvers of the requests the page made, in order
  const requests = [];
  window.fetch = (url, options) => {
    requests.push({ url: String(url), headers: options.headers, aborted: false });
    const record = requests[requests.length - 1];
    return new Promise((resolve, reject) => {
      options.signal.addEventListener("abort", () => {
        record.aborted = true;
        reject(new DOMException("aborted", "AbortError"));
      });
      answers.push((status, body) => resolve(new Response(JSON.stringify(body), { status })));
    });
  };
  const m = await import("/static/frontend/meeting-socket.js");
  const seen = [];
  const banner = document.createElement("div");
  document.body.append(banner);
  const socket = new m.MeetingSocket({
    meetingId: 7, projector: true, banner,
    onSnapshot: (s) => seen.push(`snapshot ${s.seq}`),
    onEvent: (e) => seen.push(`event ${e.seq}`),
    onMessage: (msg) => seen.push(msg.type),
  }).start();
  const latest = () => FakeSocket.instances[FakeSocket.instances.length - 1];
  const r = {};

  // Three attempts refused: the page follows over HTTP, asking for a snapshot.
  latest().drop(1006);
  runTimers();
  latest().drop(1006);
  r.afterTwo = { requests: requests.length, state: document.body.dataset.connection };
  runTimers();
  latest().drop(1006);
  await settle();
  r.first = requests.map((q) => q.url);
  r.tokenHeader = requests[0].headers["X-Projector-Token"] || null;
  r.socketUrl = FakeSocket.instances[0].url;
  answers[0](200, { cursor: 100.5, frames: [{ type: "snapshot", seq: 4 }] });
  await settle();
  r.state = document.body.dataset.connection;
  r.banner = banner.textContent;
  r.second = requests[1].url;

  // Events in order, a repeat dropped, coalesced updates passed on.
  answers[1](200, { cursor: 101, frames: [
    { type: "agenda.changed", seq: 5 }, { type: "agenda.changed", seq: 5 },
    { type: "poll.turnout", poll_id: 1, ballots: 3 }] });
  await settle();
  r.third = requests[2].url;

  // A gap: the next request asks for a snapshot.
  answers[2](200, { cursor: 102, frames: [{ type: "agenda.changed", seq: 7 }] });
  await settle();
  r.afterGap = requests[3].url;
  answers[3](200, { cursor: 103, frames: [{ type: "snapshot", seq: 7 }] });
  await settle();

  // The socket comes back (a background attempt): HTTP stops, the socket rules.
  runTimers();
  latest().open();
  latest().receive({ type: "snapshot", seq: 8 });
  await settle();
  r.aborted = requests[requests.length - 1].aborted;
  r.requestsAtSwitch = requests.length;
  r.afterSwitch = { state: document.body.dataset.connection, banner: banner.textContent };
  r.sendOpen = socket.send({ type: "ping" });
  latest().receive({ type: "agenda.changed", seq: 9 });
  await settle();
  r.requestsLater = requests.length;

  // Refused for good over HTTP: the socket's final message, and no retry.
  latest().drop(1006);
  for (let i = 0; i < 3; i += 1) { runTimers(); latest().drop(1006); }
  await settle();
  answers[answers.length - 1](401, { code: "not_logged_in", detail: "Log in first." });
  await settle();
  const socketsAtFinal = FakeSocket.instances.length;
  runTimers();
  r.final = { state: document.body.dataset.connection, banner: banner.textContent,
              newSockets: FakeSocket.instances.length - socketsAtFinal };
  r.seen = seen;
  return r;
}
"""
)


def test_switching_between_the_socket_and_http(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_page()
        page.goto(f"{base}/login/")
        page.evaluate("window.setTimeoutReal = window.setTimeout.bind(window)")
        r: dict[str, Any] = page.evaluate(SWITCH_SCRIPT)

    # As the projector: `as=projector`, its key in the cookie (no token anywhere).
    follow = "/live/meetings/7/follow/?as=projector"
    assert r["afterTwo"] == {"requests": 0, "state": "reconnecting"}
    assert r["socketUrl"].endswith("/ws/meetings/7/?as=projector")
    assert r["first"] == [follow]
    assert r["tokenHeader"] is None
    assert r["state"] == "fallback"
    assert r["banner"] == SLOWER
    assert r["second"] == f"{follow}&after=4&cursor=100.5"
    assert r["third"] == f"{follow}&after=5&cursor=101"
    assert r["afterGap"] == follow
    assert r["aborted"] is True
    assert r["afterSwitch"] == {"state": "open", "banner": ""}
    assert r["sendOpen"] is True
    assert r["requestsLater"] == r["requestsAtSwitch"]
    assert r["final"]["state"] == "final"
    assert "Log in again" in r["final"]["banner"]
    assert r["final"]["newSockets"] == 0
    assert r["seen"] == [
        "snapshot 4",
        "event 5",
        "poll.turnout",
        "snapshot 7",
        "snapshot 8",
        "event 9",
    ]
