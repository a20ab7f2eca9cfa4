"""WCAG 2.2 AA in Debian's Chromium: axe-core finds no violation on any page
(member, clerk, chair, projector, board, check-in, documents, badge,
livestream) in English, Vietnamese and Arabic; the projector's text has a
contrast of at least 7:1; focus is visible on every control; a member votes
and a chair moves on by keyboard alone; the phone announces agenda changes,
poll opening and the accepted vote in a polite live region; phone ballot
targets are at least 44 px; every chart has a text table."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize, expect

from documents import services as document_services
from meetings import attendance, services
from meetings.models import Member
from speakers import services as speaker_services
from tests.conftest import build_world, need
from tests.documents.pdfs import make_pdf
from tests.frontend.browser import (
    AXE_PATH,
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    log_in_by_id,
    watch_errors,
)
from tests.servers import daphne_server
from tests.voting.conftest import option_id, receipt
from voting import services as voting_services

pytestmark = pytest.mark.browser

QUESTION = "Adopt the budget"
DRAFT = "Approve the minutes"
ELECTION = "Venue of the next congress"
LANGUAGES = ["en", "vi", "ar"]
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}
NARROW: ViewportSize = {"width": 320, "height": 640}  # WCAG 1.4.10: reflow
LAPTOP = {"width": 1280, "height": 800}
ROOM = {"width": 1920, "height": 1080}
STREAM_URL = "https://www.youtube.com/watch?v=aaaaaaaaaaa"
PLAYER_HOST = "https://www.youtube-nocookie.com"


@pytest.fixture
def axe_path() -> Path:
    """axe.min.js from npm. Missing: a failure under CI=true, a skip otherwise."""
    need(
        AXE_PATH.is_file(),
        f"axe-core is missing at {AXE_PATH}: run `make install` (or `npm ci`), "
        "or point AXE_PATH at axe.min.js",
    )
    return AXE_PATH


@dataclass
class Scene:
    """A live meeting with a document on show, a closed election, an open
    motion (named, live results), and a draft: every widget a page can show."""

    meeting_id: int
    chair: str
    clerk: str
    voter: str
    projector_token: str
    badge_token: str
    login_token: str


def build_scene(language: str = "en") -> Scene:
    world = build_world(voters=3, items=3)
    # A member's preferred language wins over the cookie once logged in.
    Member.objects.update(preferred_language=language)
    meeting, chair = world.meeting, world.chair
    services.meeting_start(actor=chair, meeting=meeting)
    version = document_services.document_upload(
        actor=chair,
        meeting=meeting,
        upload=SimpleUploadedFile("agenda.pdf", make_pdf(2), "application/pdf"),
        title="Agenda",
        agenda_item_id=world.items[0].pk,
    )
    document_services.presenter_show(
        actor=chair, meeting=meeting, document=version.document, page=1
    )
    election = voting_services.poll_create(
        actor=chair,
        meeting=meeting,
        title=ELECTION,
        kind="single",
        options=["Huế", "Hà Nội"],
        secrecy="named",
    )
    election = voting_services.poll_open(actor=chair, poll=election)
    for voter, label in zip(world.voters[1:], ["Huế", "Huế"], strict=True):
        voting_services.ballot_cast(
            voter=voter,
            poll_id=election.pk,
            choices=[election.options.get(label=label).pk],
            nonce=receipt(),
        )
    voting_services.poll_close(actor=chair, poll=election)
    motion = voting_services.poll_create(
        actor=chair,
        meeting=meeting,
        title=QUESTION,
        kind="motion",
        secrecy="named",
        results_visibility="live",
    )
    motion = voting_services.poll_open(actor=chair, poll=motion)
    voting_services.ballot_cast(
        voter=world.voters[1],
        poll_id=motion.pk,
        choices=[option_id(motion, "No")],
        nonce=receipt(),
    )
    voting_services.poll_create(actor=chair, meeting=meeting, title=DRAFT, kind="motion")
    # A speakers' list with a speaker whose time runs and two waiting, one of
    # them the member whose pages are checked.
    for speaker, kind in ((world.voters[1], "speak"), (world.voters[0], "question")):
        speaker_services.speech_request(actor=speaker, meeting=meeting, kind=kind)
    speaker_services.speech_request(actor=world.voters[2], meeting=meeting, kind="point_of_order")
    speaker_services.speaker_call(actor=chair, meeting=meeting)
    speaker_services.speaker_start(actor=chair, meeting=meeting)
    services.meeting_update(actor=chair, meeting=meeting, livestream_url=STREAM_URL)
    invitation = attendance.login_invitations_create(
        actor=chair, meeting=meeting, participant_ids=[world.participant(world.voters[2]).pk]
    )[0]
    return Scene(
        meeting_id=meeting.pk,
        chair=chair.username,
        clerk=world.clerk.username,
        voter=world.voters[0].username,
        projector_token=services.projector_link_create(actor=chair, meeting=meeting),
        badge_token=attendance.badge_token(
            actor=chair, participant=world.participant(world.voters[2])
        ),
        login_token=invitation.token,
    )


def fake_player(route: Route) -> None:
    """The provider's player, offline: an empty page in its frame."""
    route.fulfill(
        status=200,
        content_type="text/html",
        body='<!doctype html><html lang="en"><title>Player</title><main></main></html>',
    )


def no_script(route: Route) -> None:
    """An empty script: the page as a phone with scripts off sees it."""
    route.fulfill(status=200, content_type="text/javascript", body="")


def new_page(browser: Browser, base: str, language: str, errors: list[str], **options: Any) -> Page:
    context: BrowserContext = browser.new_context(**options)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    watch_errors(page, errors)
    return page


def connected(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-connection", "open")


DUPLICATE_IDS = """
() => {
  const count = new Map();
  for (const node of document.querySelectorAll("[id]")) {
    count.set(node.id, (count.get(node.id) || 0) + 1);
  }
  return [...count].filter(([, n]) => n > 1).map(([id]) => id);
}
"""


class Audit:
    """Runs axe on each page state and keeps every violation for one report."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.reports: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> None:
        where = f"[{self.language}] {name} ({page.url})"
        self.checked.append(name)
        violations = axe_violations(page)
        if violations:
            self.reports.append(describe_violations(where, violations))
        # Labels and ARIA references resolve to the first element of an id.
        duplicates = page.evaluate(DUPLICATE_IDS)
        if duplicates:
            self.reports.append(f"{where}: duplicate ids {duplicates}")
        lang, direction = page.evaluate("[document.documentElement.lang, document.dir]")
        if (lang, direction) != (self.language, "rtl" if self.language == "ar" else "ltr"):
            self.reports.append(f"{where}: <html lang={lang} dir={direction}>")


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_no_violation_on_any_page(
    transactional_db: None,
    chromium_path: str,
    axe_path: Path,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    scene = build_scene(language)
    meeting = f"/meetings/{scene.meeting_id}"
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))  # the server reads the same files
    audit = Audit(language)
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        # Logged out: the login form and a one-time login link.
        visitor = new_page(browser, base, language, errors, viewport=PHONE)
        visitor.goto(f"{base}/login/")
        expect(visitor.locator("html")).to_have_attribute("lang", language)
        audit.check(visitor, "login")
        visitor.goto(f"{base}/login/link/{scene.login_token}/")
        audit.check(visitor, "login link")

        # The room display, with the open motion and its live tally.
        projector = new_page(browser, base, language, errors, viewport=ROOM)
        projector.goto(f"{base}/projector/{scene.projector_token}/")
        expect(projector.locator("#connection")).to_have_attribute("data-state", "open")
        expect(projector.locator("#projector-poll-title")).to_have_text(QUESTION)
        expect(projector.locator("#projector-tally table")).to_be_visible()
        expect(projector.locator("#room-code")).to_be_visible()
        audit.check(projector, "projector, poll open")

        # A member on a phone: home, the meeting with the ballot, the receipt.
        phone = new_page(browser, base, language, errors, viewport=PHONE, is_mobile=True)
        log_in_by_id(phone, base, scene.voter)
        audit.check(phone, "home")
        phone.goto(f"{base}{meeting}/")
        connected(phone)
        expect(phone.locator("fieldset.choices")).to_be_visible()
        expect(phone.locator("#doc-viewer")).to_be_visible()
        audit.check(phone, "member, ballot open, document shown")
        phone.locator("fieldset.choices input").first.check()
        phone.locator("form.ballot-form button[type=submit]").click()
        expect(phone.locator(".review-list")).to_be_visible()
        audit.check(phone, "member, review")
        phone.locator("[data-vote-action=cast]").click()
        expect(phone.locator(".receipt-code")).to_be_visible()
        audit.check(phone, "member, receipt")
        code = phone.locator(".receipt-code").inner_text()
        phone.goto(f"{base}{meeting}/badge/")
        audit.check(phone, "badge")
        phone.goto(f"{base}{meeting}/board/")
        audit.check(phone, "board")
        phone.context.route(f"{PLAYER_HOST}/**", fake_player)
        phone.goto(f"{base}{meeting}/live/")
        connected(phone)
        expect(phone.locator("iframe")).to_be_visible()
        audit.check(phone, "livestream")
        # A refusal page: the browser logs its 403, so no error watch here.
        refused = phone.context.new_page()
        refused.goto(f"{base}{meeting}/chair/")
        audit.check(refused, "error page (not allowed)")

        # The chair: the console with polls and documents, then closes the motion.
        chair = new_page(browser, base, language, errors, viewport=LAPTOP)
        log_in_by_id(chair, base, scene.chair)
        chair.goto(f"{base}{meeting}/chair/")
        connected(chair)
        expect(chair.locator("#polls .poll-item")).to_have_count(3)
        expect(chair.locator("#chair-document-list li").first).to_be_visible()
        chair.locator("button[data-action=previous]").click()  # refused: the first item
        expect(chair.locator("#errors")).not_to_be_empty()
        audit.check(chair, "chair console, with an error")
        chair.goto(f"{base}{meeting}/invitations/")
        audit.check(chair, "invitations form")
        chair.locator("form.stack button[type=submit]").click()
        expect(chair.locator(".invitation-sheet")).to_be_visible()
        audit.check(chair, "invitation sheet")
        chair.goto(f"{base}{meeting}/chair/")
        connected(chair)
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        chair.locator('#polls [data-poll-action="close"]').click()
        expect(projector.locator(".result-sentence")).to_be_visible()
        audit.check(projector, "projector, result")
        expect(chair.locator("#polls .result-sentence")).to_have_count(2)
        audit.check(chair, "chair console, results")

        # The member checks the receipt on the board: the proof verified.
        phone.goto(f"{base}{meeting}/board/")
        phone.locator("#receipt-poll").select_option(label=QUESTION)
        phone.locator("#receipt-code").fill(code)
        phone.locator("#receipt-form button[type=submit]").click()
        expect(phone.locator("#receipt-result")).to_have_class(re.compile(r"is-ok"))
        audit.check(phone, "board, receipt checked")

        # The door: the clerk's page, a badge URL before and after its check-in.
        clerk = new_page(browser, base, language, errors, viewport=PHONE, is_mobile=True)
        log_in_by_id(clerk, base, scene.clerk)
        clerk.goto(f"{base}{meeting}/clerk/")
        connected(clerk)
        audit.check(clerk, "clerk door page")
        # The submit page as a phone without scripts sees it (no auto-submit).
        clerk.context.route("**/checkin-submit.js", no_script)
        clerk.goto(f"{base}/checkin/badge/{scene.badge_token}/")
        audit.check(clerk, "check-in, confirm")
        clerk.locator("#checkin-form button").click()
        expect(clerk.locator("#checkin-result")).to_be_visible()
        audit.check(clerk, "check-in, done")
        refused = clerk.context.new_page()  # answered with 400: no error watch
        refused.goto(f"{base}/checkin/badge/not-a-badge/")
        refused.locator("#checkin-form button").click()
        expect(refused.locator("#checkin-result[role=alert]")).to_be_visible()
        audit.check(refused, "check-in, refused")

    problems = "\n".join(audit.reports)
    assert not audit.reports, f"axe-core found violations of WCAG 2.2 AA:\n{problems}"
    assert errors == [], "\n".join(errors)


# --- focus, keyboard, live region, targets ----------------------------------------------

# What the focused element shows: an outline or a ring (box-shadow) in a colour
# that stands out (3:1, WCAG 1.4.11) from what is behind it; and whether
# anything covers its centre (WCAG 2.4.11, focus not obscured).
COLOUR_SCRIPT = """
window.a11yColour = (() => {
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const luminance = ({ r, g, b }) => {
    const f = (v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  /** The solid colour behind a node: its own and its ancestors' backgrounds. */
  const behind = (node, { own = true } = {}) => {
    const layers = [];
    for (let n = own ? node : node.parentElement; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const shown = (node) => {
    const style = getComputedStyle(node);
    const box = node.getBoundingClientRect();
    return style.visibility === "visible" && box.width > 0 && box.height > 0
      && !node.closest("[hidden], .visually-hidden");
  };
  const describe = (node) => {
    const id = node.id ? `#${node.id}` : "";
    const cls = node.classList.length ? `.${[...node.classList].join(".")}` : "";
    const name = (node.getAttribute("aria-label") || node.textContent || node.value || "")
      .trim().replace(/\\s+/g, " ").slice(0, 50);
    return `${node.tagName.toLowerCase()}${id}${cls} "${name}"`;
  };
  return { parse, over, ratio, behind, shown, describe };
})();
"""

FOCUS_SCRIPT = """
() => {
  const { parse, ratio, behind, describe } = window.a11yColour;
  const focused = document.activeElement;
  if (!focused || focused === document.body || focused === document.documentElement) return null;
  // A visually hidden input (a file picker) shows its focus on its label.
  const tiny = focused.getBoundingClientRect().width < 2 && focused.labels?.length;
  const node = tiny ? focused.labels[0] : focused;
  const style = getComputedStyle(node);
  const back = behind(node, { own: false });
  const colours = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    colours.push(parse(style.outlineColor));
  }
  for (const m of (style.boxShadow || "").matchAll(/rgba?\\([^)]+\\)/g)) colours.push(parse(m[0]));
  const best = Math.max(0, ...colours.filter(Boolean).map((c) => ratio(c, back)));
  const box = node.getBoundingClientRect();
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  const hit = document.elementFromPoint(x, y);
  const label = hit && hit.closest("label");
  const covered = !hit || !(node.contains(hit) || hit.contains(node) || label?.control === node);
  return { key: describe(node) + "@" + Math.round(box.left) + "," + Math.round(box.top),
           name: describe(node), contrast: best, covered,
           inView: y >= 0 && y <= innerHeight && x >= 0 && x <= innerWidth };
}
"""


def tab_through(page: Page, limit: int = 250) -> list[dict[str, Any]]:
    """Press Tab until focus comes round to an element it visited; what each
    stop showed. Focus may start anywhere (autofocus): a full round sees all."""
    page.evaluate(COLOUR_SCRIPT)  # not a <script>: the CSP refuses inline ones
    stops: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_SCRIPT)
        if stop is None:  # past the last control, before the first
            continue
        if stop["key"] in seen:
            break
        seen.add(stop["key"])
        stops.append(stop)
    return stops


def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    visited = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        visited.append(page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
    raise AssertionError(f"Tab never reached {selector}; focus went through: {visited}")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_focus_is_visible_and_pages_reflow(
    transactional_db: None,
    chromium_path: str,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    scene = build_scene(language)
    meeting = f"/meetings/{scene.meeting_id}"
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    errors: list[str] = []
    problems: list[str] = []
    counted: dict[str, int] = {}
    expect.set_options(timeout=TIMEOUT_MS)

    def tour(page: Page, name: str) -> None:
        # Reflow (WCAG 1.4.10): at 320 CSS px, with every <details> open, the
        # page does not scroll sideways (a wide table scrolls in its own box).
        size = page.viewport_size
        page.set_viewport_size(NARROW)
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            problems.append(f"{name}: {width} px wide at 320 px, scrolls sideways")
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = false; })")
        assert size is not None
        page.set_viewport_size(size)
        stops = tab_through(page)
        counted[name] = len(stops)
        for stop in stops:
            if stop["contrast"] < 3:
                problems.append(
                    f"{name}: no visible focus on {stop['name']} ({stop['contrast']:.2f}:1)"
                )
            if stop["covered"] or not stop["inView"]:
                problems.append(f"{name}: focus hidden on {stop['name']}")

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        visitor = new_page(browser, base, language, errors, viewport=LAPTOP)
        visitor.goto(f"{base}/login/")
        tour(visitor, "login")

        phone = new_page(browser, base, language, errors, viewport=PHONE, is_mobile=True)
        log_in_by_id(phone, base, scene.voter)
        tour(phone, "home")
        phone.goto(f"{base}{meeting}/")
        connected(phone)
        expect(phone.locator("fieldset.choices")).to_be_visible()
        tour(phone, "member")
        phone.goto(f"{base}{meeting}/board/")
        tour(phone, "board")
        phone.goto(f"{base}{meeting}/badge/")
        tour(phone, "badge")
        phone.context.route(f"{PLAYER_HOST}/**", fake_player)
        phone.goto(f"{base}{meeting}/live/")
        connected(phone)
        tour(phone, "livestream")

        chair = new_page(browser, base, language, errors, viewport=LAPTOP)
        log_in_by_id(chair, base, scene.chair)
        chair.goto(f"{base}{meeting}/chair/")
        connected(chair)
        expect(chair.locator("#polls .poll-item")).to_have_count(3)
        tour(chair, "chair console")
        chair.goto(f"{base}{meeting}/clerk/")
        connected(chair)
        tour(chair, "clerk door page")

    # Every page has controls to reach: a tour that stopped early is a bug here.
    assert all(count >= 3 for count in counted.values()), counted
    assert counted["chair console"] >= 40, counted
    assert not problems, "\n".join(problems)
    assert errors == [], "\n".join(errors)


def test_member_votes_by_keyboard_and_hears_each_change(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """The chair moves on and opens a poll by keyboard; a member on a small
    phone hears each change in a polite status region, and votes by keyboard
    alone on targets of at least 44 by 44 px."""
    world = build_world(voters=2, items=3)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title=QUESTION, kind="motion"
    )
    meeting = f"/meetings/{world.meeting.pk}"
    chair_login, voter_login = world.chair.username, world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        phone = new_page(
            browser, base, "en", errors, viewport=SMALL_PHONE, is_mobile=True, has_touch=True
        )
        log_in_by_id(phone, base, voter_login)
        phone.goto(f"{base}{meeting}/")
        connected(phone)
        announcer = phone.get_by_role("status").and_(phone.locator("#announcer"))
        expect(announcer).to_have_attribute("aria-live", "polite")
        # Every text the region takes, in order: each event must change it.
        phone.evaluate(
            """() => {
              const node = document.getElementById("announcer");
              window.announced = [];
              new MutationObserver(() => window.announced.push(node.textContent))
                .observe(node, { childList: true, characterData: true, subtree: true });
            }"""
        )

        chair = new_page(browser, base, "en", errors, viewport=LAPTOP)
        log_in_by_id(chair, base, chair_login)
        chair.goto(f"{base}{meeting}/chair/")
        connected(chair)
        tab_to(chair, "button[data-action=next]")
        chair.keyboard.press("Enter")
        expect(chair.locator("#current-title")).to_have_text("Item 2")
        expect(announcer).to_have_text("Now: Item 2")
        expect(chair.locator("button[data-action=next]")).to_be_focused()  # press on

        tab_to(chair, "#polls form[data-form=open] button[type=submit]")
        chair.keyboard.press("Enter")
        expect(announcer).to_have_text(f"Voting is open: {QUESTION}")
        # The open button is gone; focus is not: it stays in the poll's card.
        expect(chair.locator("#polls .poll-item :focus")).to_have_count(1)

        # The ballot on a 360 px phone: every target at least 44 by 44 px.
        ballot = phone.locator("form.ballot-form")
        expect(ballot).to_be_visible()
        targets = [*ballot.locator("label.choice").all(), ballot.locator("button[type=submit]")]
        assert len(targets) == 4
        for target in targets:
            box = target.bounding_box()
            assert box is not None
            assert box["width"] >= 44 and box["height"] >= 44, (target.inner_text(), box)
        assert phone.evaluate("document.documentElement.scrollWidth") <= SMALL_PHONE["width"]

        # Keyboard only: Tab to the answer, Space, Tab to review, Enter, cast.
        phone.evaluate("document.activeElement && document.activeElement.blur()")
        tab_to(phone, "fieldset.choices input[data-role=yes]")
        phone.keyboard.press("Space")
        expect(ballot.get_by_role("radio", name="Yes")).to_be_checked()
        tab_to(phone, "form.ballot-form button[type=submit]")
        phone.keyboard.press("Enter")
        expect(phone.locator(".review-list")).to_have_text("Yes")
        cast = phone.locator("[data-vote-action=cast]")
        for button in (cast, phone.locator("[data-vote-action=change]")):
            box = button.bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44
        tab_to(phone, "[data-vote-action=cast]")
        phone.keyboard.press("Enter")
        expect(phone.locator(".receipt-code")).to_be_visible()
        expect(announcer).to_have_text("Your vote was counted")
        expect(phone.locator(".ballot :focus")).to_have_count(1)

        # The chair closes the poll by keyboard; focus moves on to Publish.
        tab_to(chair, '#polls [data-poll-action="close"]')
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        chair.keyboard.press("Enter")
        expect(chair.locator('#polls [data-poll-action="publish"]')).to_be_focused()
        announced = phone.evaluate("window.announced")

    expected = ["Now: Item 2", f"Voting is open: {QUESTION}", "Your vote was counted"]
    heard = [text for text in announced if text in expected]
    assert [t for i, t in enumerate(heard) if i == 0 or heard[i - 1] != t] == expected, announced
    assert errors == [], "\n".join(errors)


# --- the projector's contrast, and text tables for charts ---------------------------------

CONTRAST_SCRIPT = """
() => {
  const { parse, over, ratio, behind, shown, describe } = window.a11yColour;
  const controls = "input, select, textarea, button";
  const texts = [...document.body.querySelectorAll("*")].filter((node) =>
    shown(node) && (node.matches(controls) || [...node.childNodes].some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim())));
  return texts.map((node) => {
    const style = getComputedStyle(node);
    const back = behind(node);
    const ink = over(parse(style.color), back);
    const opacity = [node, ...(function* up(n) { while ((n = n.parentElement)) yield n; })(node)]
      .reduce((a, n) => a * Number(getComputedStyle(n).opacity), 1);
    const seen = opacity < 1 ? over({ ...ink, a: opacity }, back) : ink;
    return { name: describe(node), ratio: ratio(seen, back) };
  });
}
"""

# Every bar chart (.bar) must have a text table next to it: a <table> with a
# caption and header cells, around the bar or in the chart's box.
CHART_SCRIPT = """
() => [...document.querySelectorAll(".bar")].filter(window.a11yColour.shown).map((bar) => {
  let table = bar.closest("table");
  for (let box = bar.parentElement, i = 0; !table && box && i < 3; box = box.parentElement, i++) {
    table = box.querySelector("table");
  }
  const caption = table && table.caption ? table.caption.textContent.trim() : "";
  const headers = table ? table.querySelectorAll("th[scope]").length : 0;
  return { chart: window.a11yColour.describe(bar.parentElement), caption, headers };
})
"""


def low_contrast(page: Page, minimum: float) -> list[str]:
    page.evaluate(COLOUR_SCRIPT)  # not a <script>: the CSP refuses inline ones
    texts = page.evaluate(CONTRAST_SCRIPT)
    assert len(texts) >= 5, texts  # the check saw the page's text
    return [f"{t['name']}: {t['ratio']:.2f}:1" for t in texts if t["ratio"] < minimum]


def charts_without_table(page: Page, name: str, at_least: int) -> list[str]:
    page.evaluate(COLOUR_SCRIPT)  # not a <script>: the CSP refuses inline ones
    charts = page.evaluate(CHART_SCRIPT)
    problems = [
        f"{name}: chart {c['chart']} has no text table with a caption and headers"
        for c in charts
        if not c["caption"] or c["headers"] < 2
    ]
    if len(charts) < at_least:
        problems.append(f"{name}: {len(charts)} charts, expected at least {at_least}")
    return problems


def test_projector_text_is_7_to_1_and_every_chart_has_a_table(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    """The room display in every state (open poll with countdown, turnout and
    live tally; then the result) keeps all text at 7:1 or more. Turnout and
    result bars on projector, console and member page come with text tables."""
    world = build_world(voters=3, items=3)
    meeting, chair = world.meeting, world.chair
    services.meeting_start(actor=chair, meeting=meeting)
    motion = voting_services.poll_create(
        actor=chair,
        meeting=meeting,
        title=QUESTION,
        kind="motion",
        secrecy="named",
        results_visibility="live",
    )
    motion = voting_services.poll_open(actor=chair, poll=motion, duration_seconds=600)
    voting_services.ballot_cast(
        voter=world.voters[0],
        poll_id=motion.pk,
        choices=[option_id(motion, "Yes")],
        nonce=receipt(),
    )
    token = services.projector_link_create(actor=chair, meeting=meeting)
    path, chair_login = f"/meetings/{meeting.pk}", chair.username
    errors: list[str] = []
    contrast: list[str] = []
    charts: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        projector = new_page(browser, base, "en", errors, viewport=ROOM)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_attribute("data-state", "open")
        expect(projector.locator("#projector-tally table")).to_be_visible()
        expect(projector.locator("#countdown-value")).not_to_be_empty()
        expect(projector.locator("#audit-key-fingerprint")).not_to_be_empty()
        contrast += [f"poll open: {line}" for line in low_contrast(projector, 7)]
        # The turnout bar and three tally bars.
        charts += charts_without_table(projector, "projector, poll open", 4)

        chair_page = new_page(browser, base, "en", errors, viewport=LAPTOP)
        log_in_by_id(chair_page, base, chair_login)
        chair_page.goto(f"{base}{path}/chair/")
        connected(chair_page)
        expect(chair_page.locator("#polls table").first).to_be_visible()
        charts += charts_without_table(chair_page, "chair, poll open", 4)
        chair_page.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        chair_page.locator('#polls [data-poll-action="close"]').click()
        expect(chair_page.locator("#polls .result-sentence")).to_be_visible()
        charts += charts_without_table(chair_page, "chair, result", 3)

        expect(projector.locator(".result-sentence")).to_be_visible()
        contrast += [f"result: {line}" for line in low_contrast(projector, 7)]
        charts += charts_without_table(projector, "projector, result", 3)

    assert not contrast, "Projector text below 7:1:\n" + "\n".join(contrast)
    assert not charts, "\n".join(charts)
    assert errors == [], "\n".join(errors)
