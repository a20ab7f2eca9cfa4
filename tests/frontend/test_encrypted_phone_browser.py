"""Members vote on an encrypted poll from their phone pages, end to end
(docs/encrypted-ballots.md): the tellers' ceremony is finished with the real
crypto (tests/voting/tellers_helpers.py), the chair opens the poll, and the
phones encrypt in Chromium with elgamal.js, which a plain poll never loads.

A member votes for themselves and for the member whose proxy they carry; a
second member's first answer is lost and the phone sends the SAME encrypted
ballot again over the socket once it reconnects, and gets the same receipt.
Every stored ballot verifies in Python (voting.crypto) under the names the
phone bound it to, and the tellers' secrets decrypt the choices made. While
the tellers have not decrypted, phone, board and projector say they wait;
then the board checks the phone's tracker.

Set SCREENSHOTS_DIR to keep the screenshots (phone and laptop, English and
Arabic); `-s` prints the phone's time to encrypt under 6x CPU throttling.
"""

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
from playwright.sync_api import BrowserContext, Locator, Page, Route, WebSocketRoute, expect

from meetings import services
from meetings.models import Member
from tests.conftest import World, build_world
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    watch_errors,
)
from tests.servers import daphne_server
from tests.voting.tellers_helpers import TellerPlayer, play_ceremony
from voting import services as voting_services
from voting.crypto import group
from voting.crypto.ballots import BallotContext, EncryptedBallot, verify_ballot
from voting.crypto.threshold import lagrange_at_zero
from voting.models import Ballot, Poll, RollMark
from voting.services.encrypted import marks_range, poll_context, voter_context

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1280, "height": 720}
# The page's socket backs off up to about 15 s before it tries again.
BACKGROUND_MS = 30_000
TRACKER = re.compile(r"^([0-9a-f]{4}-){15}[0-9a-f]{4}$")
CRYPTO = re.compile(r"/static/(frontend/(elgamal|encrypted-ballot)\.js|vendor/noble-)")


def session_cookie(member: Member) -> str:
    client = Client()
    client.force_login(member)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass
class Scene:
    world: World
    plain_id: int
    poll_id: int
    proxy_id: int  # the participant whose proxy voter 0 carries
    players: list[TellerPlayer]
    sessions: dict[str, str]
    projector_token: str


def build_scene(**fields: Any) -> Scene:
    """A live meeting: a plain motion already open, and a secret poll (a
    motion unless `fields` say otherwise) whose tellers (chair, clerk, voter 2;
    k = 2) have made its key. Voter 2 gives their proxy to voter 0; voter 1
    reads Arabic."""
    world = build_world(voters=3, items=1)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    services.member_language_set(actor=world.voters[1], language="ar")
    services.proxy_create(
        actor=world.chair,
        meeting=meeting,
        delegator=world.participant(world.voters[2]),
        delegate=world.participant(world.voters[0]),
    )
    plain = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title="Approve the minutes", kind="motion"
    )
    voting_services.poll_open(actor=world.chair, poll=plain)
    poll = voting_services.poll_create(
        actor=world.chair,
        meeting=meeting,
        secrecy="secret",
        **{"title": "Strike fund", "kind": "motion", **fields},
    )
    tellers = [world.chair, world.clerk, world.voters[2]]
    voting_services.tellers_appoint(
        actor=world.chair,
        poll=poll,
        participant_ids=[world.participant(m).pk for m in tellers],
        threshold=2,
    )
    players = [TellerPlayer(poll.pk, i, 2, m) for i, m in enumerate(tellers, start=1)]
    play_ceremony(Poll.objects.get(pk=poll.pk), players)
    return Scene(
        world=world,
        plain_id=plain.pk,
        poll_id=poll.pk,
        proxy_id=world.participant(world.voters[2]).pk,
        players=players,
        sessions={
            "chair": session_cookie(world.chair),
            "clerk": session_cookie(world.clerk),
            "voter": session_cookie(world.voters[0]),
            "arabic": session_cookie(world.voters[1]),
        },
        projector_token=services.projector_link_create(actor=world.chair, meeting=meeting),
    )


def context_for(browser: Any, base: str, session: str | None, **options: Any) -> BrowserContext:
    context: BrowserContext = browser.new_context(**options)
    if session:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base}])
    return context


def phone(browser: Any, base: str, session: str, locale: str = "en-US") -> BrowserContext:
    return context_for(
        browser, base, session, viewport=PHONE, is_mobile=True, has_touch=True, locale=locale
    )


def api(page: Page, method: str, path: str, body: Any = None) -> Any:
    """A request from a signed-in page, as its own scripts send them (CSRF included)."""
    answer = page.evaluate(
        """async ([method, path, body]) => {
          const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
          const field = document.querySelector("input[name=csrfmiddlewaretoken]");
          const token = cookie
            ? decodeURIComponent(cookie.split("=")[1])
            : field ? field.value : "";
          const response = await fetch(path, {
            method, credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRFToken": token,
            },
            body: body === null ? undefined : JSON.stringify(body),
          });
          return { status: response.status, body: await response.json().catch(() => null) };
        }""",
        [method, path, body],
    )
    assert answer["status"] < 300, answer
    return answer["body"]


class Sockets:
    """Refuses WebSockets until `allow`; then relays them, keeping what the page sent."""

    def __init__(self, context: BrowserContext) -> None:
        self.allow = False
        self.sent: list[dict[str, Any]] = []
        context.route_web_socket(re.compile(r".*/ws/meetings/.*"), self.handle)

    def handle(self, ws: WebSocketRoute) -> None:
        if not self.allow:
            ws.close(code=1006, reason="refused by the network")
            return
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            self.sent.append(json.loads(message))
            server.send(message)

        ws.on_message(from_page)


def shoot(page: Page, shots: Path | None, name: str, where: Locator | None = None) -> None:
    """Screenshots on a phone and a laptop, `where` scrolled into view."""
    if shots is None:
        return
    for label, size in (("phone", PHONE), ("laptop", LAPTOP)):
        page.set_viewport_size(size)  # type: ignore[arg-type]
        if where is not None:
            where.evaluate("(node) => node.scrollIntoView({ block: 'center' })")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        page.screenshot(path=str(shots / f"encrypted-{name}-{label}.png"), full_page=False)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]


def accessible(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], describe_violations(where, violations)


def receipt_of(page: Page, ballot_id: str) -> str:
    text = page.locator(f"#{ballot_id} .receipt-code").inner_text().strip()
    assert TRACKER.match(text), text
    return text.replace("-", "")


def test_members_vote_on_an_encrypted_poll_from_their_phones(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    scene = build_scene()
    pid = scene.poll_id
    shots = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    crypto_loads: list[str] = []
    posted: list[dict[str, Any]] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        chair = context_for(browser, base, scene.sessions["chair"]).new_page()
        chair.goto(f"{base}/meetings/{scene.world.meeting.pk}/")
        clerk = context_for(browser, base, scene.sessions["clerk"]).new_page()
        clerk.goto(f"{base}/meetings/{scene.world.meeting.pk}/")

        voter = phone(browser, base, scene.sessions["voter"]).new_page()
        watch_errors(voter, errors)
        voter.on("request", lambda r: crypto_loads.append(r.url) if CRYPTO.search(r.url) else None)
        voter.goto(f"{base}/meetings/{scene.world.meeting.pk}/")
        expect(voter.locator("body")).to_have_attribute("data-connection", "open")
        # A plain poll is open: its ballot shows, and no crypto is loaded.
        expect(voter.locator(f"#ballot-{scene.plain_id}-self")).to_be_visible()
        voter.wait_for_timeout(500)
        assert crypto_loads == []

        # The second member's phone (Arabic): no WebSocket gets through yet.
        arabic_context = phone(browser, base, scene.sessions["arabic"], locale="ar")
        arabic_sockets = Sockets(arabic_context)
        arabic = arabic_context.new_page()
        watch_errors(arabic, errors)

        def lose_the_first_answer(route: Route) -> None:
            posted.append(json.loads(route.request.post_data or "{}"))
            if len(posted) == 1:
                route.fetch()  # the server stores it; the phone never hears back
            route.abort("connectionreset")

        arabic_context.route(f"**/api/polls/{pid}/encrypted-ballots/", lose_the_first_answer)
        arabic.goto(f"{base}/meetings/{scene.world.meeting.pk}/")
        expect(arabic.locator("body")).to_have_attribute("data-connection", "fallback")

        # The chair closes the plain poll and opens the encrypted one.
        api(chair, "POST", f"/api/polls/{scene.plain_id}/close/")
        api(chair, "POST", f"/api/polls/{pid}/open/", {})
        own = voter.locator(f"#ballot-{pid}-self")
        expect(own).to_be_visible()
        expect(own).to_contain_text(
            "Secret ballot, encrypted on your phone: no one can see how you voted."
        )
        # The crypto loads as the poll opens, before the member taps.
        voter.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            ".some((e) => e.name.includes('encrypted-ballot.js'))"
        )
        accessible(voter, "ballot-en")
        shoot(voter, shots, "ballot-en")

        # Voter 0 votes Yes for themselves.
        own.get_by_role("radio", name="Yes").check()
        own.get_by_role("button", name="Review my vote").click()
        own.get_by_role("button", name="Cast my vote").click()
        expect(own.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        expect(own).to_contain_text(
            "Encrypted on this phone before it was sent. The receipt code is the ballot's tracker."
        )
        own_code = receipt_of(voter, f"ballot-{pid}-self")
        accessible(voter, "receipt-en")
        shoot(voter, shots, "receipt-en", own.locator(".receipt-code"))

        # ... and No for the member whose proxy they carry, the CPU slowed 6x
        # (a cheap phone): the time from the tap to the receipt is printed.
        proxy_id = scene.proxy_id
        proxy = voter.locator(f"#ballot-{pid}-{proxy_id}")
        proxy.get_by_role("radio", name="No").check()
        proxy.get_by_role("button", name="Review my vote").click()
        cdp = voter.context.new_cdp_session(voter)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 6})
        started = time.perf_counter()
        proxy.get_by_role("button", name=re.compile("Cast the vote for")).click()
        expect(proxy.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        print(f"\nphone page, CPU x6: tap to receipt {time.perf_counter() - started:.2f} s")
        # The encryption alone, in this page, for this poll and a 10-candidate
        # election under the same key (measured, not asserted).
        timings = voter.evaluate(
            """async (pollId) => {
              const M = await import("/static/frontend/encrypted-ballot.js");
              const poll = await (await fetch(`/api/polls/${pollId}/`)).json();
              const election = { ...poll, kind: "election", min_choices: 1, max_choices: 3,
                options: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, role: "candidate" })) };
              const out = [];
              for (const [p, chosen] of [[poll, [poll.options[0].id]], [election, [2, 5]]]) {
                const start = performance.now();
                M.sealBallot(p, 1, "Q2M7ZB4XK3WC5RTA", chosen);
                out.push(Math.round(performance.now() - start));
              }
              return out;
            }""",
            pid,
        )
        print(f"phone page, CPU x6: encrypt 3 options {timings[0]} ms, 10 options {timings[1]} ms")
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        proxy_code = receipt_of(voter, f"ballot-{pid}-{proxy_id}")
        assert len(crypto_loads) >= 2

        # Voter 1 (Arabic, over HTTP): the first answer is lost on the way back.
        mine = arabic.locator(f"#ballot-{pid}-self")
        expect(mine).to_be_visible()
        shoot(arabic, shots, "ballot-ar")
        mine.locator("input[type=radio]").first.check()  # Yes
        mine.locator("button[type=submit]").click()
        mine.locator("button[data-vote-action=cast]").click()
        expect(mine).to_have_attribute("data-step", "sending")
        # Pending: the encrypted ballot and its nonce, never the choice in clear.
        kept = arabic.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:pending:'))"
            ".map((k) => JSON.parse(localStorage.getItem(k)))"
        )
        assert len(kept) == 1 and kept[0]["encrypted"] and "choices" not in kept[0]
        assert set(kept[0]["ballot"]) == {"options", "count_proof"}
        while not posted:
            arabic.wait_for_timeout(100)
        # WebSockets get through again: the phone reconnects and resends the
        # same encrypted ballot, under the same nonce, over the socket.
        arabic_sockets.allow = True
        expect(mine.locator(".receipt-code")).to_be_visible(timeout=BACKGROUND_MS)
        arabic_code = receipt_of(arabic, f"ballot-{pid}-self")
        resent = [m for m in arabic_sockets.sent if m.get("type") == "ballot.cast_encrypted"]
        assert resent, arabic_sockets.sent
        for again in [*posted[1:], *resent]:
            assert again["ballot"] == posted[0]["ballot"] and again["nonce"] == posted[0]["nonce"]
        assert arabic_code == EncryptedBallot.from_json(posted[0]["ballot"]).tracker
        pending = arabic.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:pending:'))"
        )
        assert pending == []
        accessible(arabic, "receipt-ar")
        shoot(arabic, shots, "receipt-ar", mine.locator(".receipt-code"))

        # The chair closes: the totals wait for the tellers, everywhere.
        projector = context_for(
            browser, base, None, viewport={"width": 1280, "height": 720}
        ).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{scene.projector_token}/")
        closed = api(chair, "POST", f"/api/polls/{pid}/close/")
        assert closed["state"] == "decrypting"
        waiting = "Waiting for the tellers to decrypt"
        # A poll the member watched close stays unfolded.
        expect(voter.locator(f"details.earlier-poll[data-poll-id='{pid}']")).to_have_attribute(
            "open", ""
        )
        expect(voter.get_by_text(waiting)).to_be_visible()
        accessible(voter, "waiting-en")
        shoot(voter, shots, "waiting-en", voter.locator(".result-waiting"))
        expect(arabic.locator(".result-waiting")).to_be_visible()
        shoot(arabic, shots, "waiting-ar", arabic.locator(".result-waiting"))
        expect(projector.get_by_text(waiting)).to_be_visible()
        if shots is not None:
            projector.screenshot(path=str(shots / "encrypted-waiting-projector.png"))
        board = voter.context.new_page()
        board.goto(f"{base}/meetings/{scene.world.meeting.pk}/board/")
        expect(board.locator(f"#board-poll-{pid}")).to_contain_text(waiting)
        accessible(board, "board-waiting-en")
        shoot(board, shots, "board-waiting-en", board.locator(".board-waiting"))
        if shots is not None:
            arabic_board = arabic_context.new_page()
            arabic_board.goto(f"{base}/meetings/{scene.world.meeting.pk}/board/")
            shoot(arabic_board, shots, "board-waiting-ar", arabic_board.locator(".board-waiting"))

        # Two tellers decrypt the totals (their partials made in Python).
        products = api(chair, "GET", f"/api/polls/{pid}/tellers/")["products"]
        for player, page in zip(scene.players[:2], (chair, clerk), strict=True):
            decided = api(
                page,
                "POST",
                f"/api/polls/{pid}/tellers/decrypt/",
                {"partials": player.decrypt(products)},
            )
        assert decided["state"] == "closed"
        weights = {o["label"]: o["weight"] for o in decided["result"]["options"]}
        assert (weights["Yes"], weights["No"]) == ("2.0000", "1.0000"), weights

        # The board checks the phone's tracker, from the receipt's own link.
        voter.get_by_role("link", name="Check it on the board").first.click()
        expect(voter.locator("#receipt-result")).to_contain_text(
            "Your encrypted ballot is on the board as your phone sent it."
        )
        expect(voter.locator("#receipt-result")).to_contain_text(
            "This is the tracker of the ballot your phone encrypted."
        )
        expect(voter.locator("#receipt-result")).to_have_class(re.compile("is-ok"))
        shoot(voter, shots, "board-check-en", voter.locator("#receipt-result"))
        board.reload()
        entries = board.locator(f"#board-poll-{pid} .board-entries tbody tr")
        expect(entries).to_have_count(3)
        for code in (own_code, proxy_code, arabic_code):
            expect(board.locator(f"#entry-{pid}-{code}")).to_contain_text("encrypted")

    # Outside the browser: one ballot per roll entry, every one verifies
    # under the names the phone bound it to, and decrypts to the choice made.
    poll = Poll.objects.get(pk=pid)
    ballots = list(Ballot.objects.filter(poll=poll))
    assert len(ballots) == 3 and RollMark.objects.filter(roll_entry__poll=poll).count() == 3
    assert {b.receipt_code for b in ballots} == {own_code, proxy_code, arabic_code}
    assert sorted(decrypted(scene, poll, ballots)) == [("No",), ("Yes",), ("Yes",)]
    # The answers the test cut on the way back are logged by Chromium; nothing else.
    assert [e for e in errors if "ERR_CONNECTION_RESET" not in e] == []


def decrypted(scene: Scene, poll: Poll, ballots: list[Ballot]) -> list[tuple[str, ...]]:
    """Each stored ballot verified under the names the phone bound it to, and
    opened with the tellers' secrets: the labels it marks."""
    options = list(poll.options.order_by("position"))
    low, high, abstain = marks_range(poll, [o.role for o in options])
    key = bytes.fromhex(poll.public_key)
    # x = Σ λ_i x_i over tellers 1 and 2: only a test may hold it.
    lam = lagrange_at_zero([1, 2])
    secret = sum(lam[p.index] * p.secret_share for p in scene.players[:2]) % group.L
    chosen = []
    for b in ballots:
        sealed = EncryptedBallot.from_json(b.ciphertext)
        assert sealed.tracker == b.receipt_code
        assert b.nonce_key is not None
        context = BallotContext(poll_context(poll.pk), voter_context(b.nonce_key))
        verify_ballot(key, sealed, len(options), low, high, context, abstain)
        marks = [
            group.sub(c.b, group.mul(secret, c.a)) == group.base(1) for c in sealed.ciphertexts
        ]
        chosen.append(tuple(o.label for o, marked in zip(options, marks, strict=True) if marked))
    return chosen


def test_refusals_and_failed_encryption_are_shown_and_nothing_is_lost(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """The poll is already open when the page loads (the snapshot gives the
    roll entries). The crypto cannot be fetched: the phone says so, sends
    nothing and keeps the choice; "Try again" then encrypts and casts. A
    ballot tampered with on the way is refused by the server's proof check:
    the phone shows why and lets the member vote again, under a new nonce."""
    scene = build_scene()
    pid = scene.poll_id
    shots = Path(os.environ["SCREENSHOTS_DIR"]) if os.environ.get("SCREENSHOTS_DIR") else None
    voting_services.poll_close(actor=scene.world.chair, poll=Poll.objects.get(pk=scene.plain_id))
    voting_services.poll_open(actor=scene.world.chair, poll=Poll.objects.get(pk=pid))
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    sent: list[dict[str, Any]] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        context = phone(browser, base, scene.sessions["voter"])
        Sockets(context)  # over HTTP only: every ballot passes the route below
        offline = {"crypto": True}

        def crypto(route: Route) -> None:
            if offline["crypto"]:
                route.abort("internetdisconnected")
            else:
                route.continue_()

        def tamper_first(route: Route) -> None:
            body = json.loads(route.request.post_data or "{}")
            sent.append(body)
            if len(sent) == 1:  # two options' ciphertexts swapped: every proof fails
                options = body["ballot"]["options"]
                options[0], options[1] = options[1], options[0]
                route.continue_(post_data=json.dumps(body))
                return
            # The next one counts, but a lying server answers another receipt.
            answer = route.fetch()
            receipt = answer.json()
            receipt["receipt"]["receipt_code"] = "0" * 64
            route.fulfill(response=answer, json=receipt)

        context.route(re.compile(r".*/static/frontend/encrypted-ballot\.js.*"), crypto)
        context.route(f"**/api/polls/{pid}/encrypted-ballots/", tamper_first)
        page = context.new_page()
        watch_errors(page, errors)
        page.goto(f"{base}/meetings/{scene.world.meeting.pk}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "fallback")

        own = page.locator(f"#ballot-{pid}-self")
        own.get_by_role("radio", name="No").check()
        own.get_by_role("button", name="Review my vote").click()
        own.get_by_role("button", name="Cast my vote").click()
        expect(own.get_by_role("alert")).to_contain_text(
            "Nothing was sent and your choices are kept: try again."
        )
        shoot(page, shots, "not-encrypted-en", own)
        assert sent == []
        stored = "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:pending:'))"
        assert page.evaluate(stored) == []

        offline["crypto"] = False
        own.get_by_role("button", name="Try again").click()
        alert = own.get_by_role("alert")
        expect(alert).to_contain_text("The server refused this encrypted ballot (option 0: ")
        expect(alert).to_contain_text("It was not counted: vote again.")
        shoot(page, shots, "refused-en", own)
        assert len(sent) == 1
        own.get_by_role("button", name="Change").click()
        expect(own.get_by_role("radio", name="No")).to_be_checked()  # the choice is kept
        own.get_by_role("button", name="Review my vote").click()
        own.get_by_role("button", name="Cast my vote").click()
        expect(own.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        # The phone knows the tracker of what it encrypted: it raises the alarm.
        expect(own.get_by_role("alert")).to_have_text(
            "This receipt is not the tracker of the ballot your phone encrypted. "
            "Tell the chair or a clerk now."
        )
        ballot = EncryptedBallot.from_json(sent[1]["ballot"])
        expect(own).to_contain_text(
            "The tracker of the ballot your phone encrypted: "
            + "-".join(ballot.tracker[i : i + 4] for i in range(0, 64, 4))
        )
        shoot(page, shots, "wrong-receipt-en", own)
        assert len(sent) == 2 and sent[1]["nonce"] != sent[0]["nonce"]
    ballots = list(Ballot.objects.filter(poll_id=pid))
    tracker = EncryptedBallot.from_json(sent[1]["ballot"]).tracker
    assert [b.receipt_code for b in ballots] == [tracker]
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "400" not in e] == []


def test_a_long_encrypted_ballot_goes_over_http(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """An election of 36 candidates: the encrypted ballot is larger than a
    socket frame may be (16 KiB), so the phone sends it over HTTP, socket
    open or not, and it counts once, as marked."""
    candidates = [f"Candidate {i}" for i in range(1, 37)]
    scene = build_scene(kind="election", options=candidates, seats=3, max_choices=3)
    pid = scene.poll_id
    voting_services.poll_close(actor=scene.world.chair, poll=Poll.objects.get(pk=scene.plain_id))
    voting_services.poll_open(actor=scene.world.chair, poll=Poll.objects.get(pk=pid))
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    posted: list[int] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        context = phone(browser, base, scene.sessions["voter"])
        sockets = Sockets(context)
        sockets.allow = True
        page = context.new_page()
        watch_errors(page, errors)
        page.on(
            "request",
            lambda r: (
                posted.append(len(r.post_data or ""))
                if r.url.endswith(f"/api/polls/{pid}/encrypted-ballots/")
                else None
            ),
        )
        page.goto(f"{base}/meetings/{scene.world.meeting.pk}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        own = page.locator(f"#ballot-{pid}-self")
        for name in ("Candidate 2", "Candidate 5", "Candidate 36"):
            own.get_by_role("checkbox", name=name, exact=True).check()
        own.get_by_role("button", name="Review my vote").click()
        own.get_by_role("button", name="Cast my vote").click()
        expect(own.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        code = receipt_of(page, f"ballot-{pid}-self")
    assert not [m for m in sockets.sent if m.get("type") == "ballot.cast_encrypted"]
    assert len(posted) == 1 and posted[0] > 16384, posted
    poll = Poll.objects.get(pk=pid)
    ballots = list(Ballot.objects.filter(poll=poll))
    assert [b.receipt_code for b in ballots] == [code]
    assert decrypted(scene, poll, ballots) == [("Candidate 2", "Candidate 5", "Candidate 36")]
    assert errors == []
