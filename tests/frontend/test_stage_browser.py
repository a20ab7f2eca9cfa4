"""The projector as a stage, in Debian's Chromium: every scene the chair picks
from the console fits a 1920x1080 and a 1280x720 screen with no scrolling,
its key content inside the viewport, in English and Arabic; the scene
reaches every projector live; axe finds nothing; the pairing page works."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from meetings import services
from tests.conftest import build_world
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    log_in,
)
from tests.frontend.test_accessibility import build_scene, new_page
from tests.servers import daphne_server

pytestmark = pytest.mark.browser

SCREENS = [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}]
LANGUAGES = ["en", "ar"]

# Per scene: the section shown, and what must be inside the screen.
SCENES: dict[str, tuple[str | None, list[str]]] = {
    "welcome": ("#scene-welcome", ["#welcome-title", ".join-qr svg", ".join-code figcaption"]),
    "agenda": ("#scene-agenda", ["#agenda-title", "#stage-agenda li >> nth=-1"]),
    "item": ("#scene-item", ["#current-title", "#next-title", "#room-code img"]),
    "document": ("#projector-document", ["#projector-page"]),
    "poll": (
        "#projector-poll",
        [
            "#projector-poll-title",
            ".projector-options li >> nth=-1",
            "#projector-turnout .bar",
            "#projector-turnout table",
            "#projector-tally table tr >> nth=-1",
            "#room-code img",
        ],
    ),
    "result": (
        "#projector-poll",
        [
            "#projector-poll-title",
            ".result-sentence",
            ".results-table tr >> nth=-1",
            ".results-table .bar >> nth=-1",
            "#head-fingerprint",
        ],
    ),
    "speakers": ("#projector-speakers", ["#projector-speaker-name"]),
    "break": ("#scene-break", ["#break-title"]),
    "blank": (None, []),
}
ALWAYS = ["#meeting-title", "#quorum-line", "#connection"]
SECTIONS = ["#scene-welcome", "#scene-agenda", "#scene-item", "#projector-document"]
SECTIONS += ["#projector-poll", "#projector-speakers", "#scene-break"]

OUTSIDE = """
(selector) => {
  const node = document.querySelector(selector);
  if (!node) return "missing";
  const box = node.getBoundingClientRect();
  if (box.width === 0 || box.height === 0) return "empty";
  const out = box.left < -1 || box.top < -1
    || box.right > innerWidth + 1 || box.bottom > innerHeight + 1;
  return out ? JSON.stringify(box) : "";
}
"""
SCROLLS = """
() => {
  const root = document.scrollingElement;
  return [root.scrollWidth > innerWidth, root.scrollHeight > innerHeight];
}
"""


def scene_problems(page: Page, scene: str, where: str) -> list[str]:
    expect(page.locator("#stage")).to_have_attribute("data-scene", scene)
    shown, keys = SCENES[scene]
    for section in SECTIONS:
        if section == shown:
            expect(page.locator(section)).to_be_visible()
        else:
            expect(page.locator(section)).to_be_hidden()
    problems = []
    if page.evaluate(SCROLLS) != [False, False]:
        problems.append(f"{where}: the page scrolls")
    for selector in keys + (ALWAYS if scene != "blank" else []):
        target = selector.split(" >> ")[0]
        nth = selector.split("nth=")[1] if "nth=" in selector else None
        if nth is not None:
            # The last of several: mark it so the script finds it.
            page.locator(target).nth(int(nth)).evaluate("n => n.setAttribute('data-probe', '')")
            target = "[data-probe]"
        outcome = page.evaluate(OUTSIDE, target)
        if nth is not None:
            page.evaluate("document.querySelector('[data-probe]').removeAttribute('data-probe')")
        if outcome:
            problems.append(f"{where}: {selector} {outcome}")
    stage = page.locator("#stage").bounding_box()
    assert stage is not None
    if abs(stage["width"] / stage["height"] - 16 / 9) > 0.01:
        problems.append(f"{where}: the stage is not 16:9 ({stage})")
    return problems


def choose(chair: Page, base: str, meeting_id: int, scene: str) -> None:
    """The chair's console asks for the scene (its REST call, as the page makes it)."""
    csrf = next(c["value"] for c in chair.context.cookies() if c["name"] == "csrftoken")
    response = chair.request.post(
        f"{base}/api/meetings/{meeting_id}/projector-scene/",
        data={"scene": scene},
        headers={"X-CSRFToken": csrf, "Referer": base},
    )
    assert response.ok, response.text()


def test_every_scene_fits_every_screen_in_both_directions(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    scene = build_scene()
    errors: list[str] = []
    problems: list[str] = []
    axe: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = new_page(browser, base, "en", errors)
        log_in(chair, base, scene.chair)
        chair.goto(f"{base}/meetings/{scene.meeting_id}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        screens: list[tuple[str, dict[str, Any], Page]] = []
        for language in LANGUAGES:
            for size in SCREENS:
                page = new_page(browser, base, language, errors, viewport=size)
                page.goto(f"{base}/projector/{scene.projector_token}/")
                expect(page.locator("#connection")).to_have_attribute("data-state", "open")
                screens.append((language, size, page))
        # Following the meeting: the open motion, on every screen.
        for language, size, page in screens:
            problems += scene_problems(page, "poll", f"[{language} {size['width']}] follow")
        for name in SCENES:
            # The console's button, so the console's own state is tried too.
            panel = chair.get_by_role("region", name="Projector")
            label = {
                "welcome": "Welcome",
                "agenda": "Agenda",
                "item": "Current item",
                "document": "Document",
                "poll": "Poll",
                "result": "Result",
                "speakers": "Speakers",
                "break": "Break",
                "blank": "Blank screen",
            }[name]
            panel.get_by_role("button", name=label, exact=True).click()
            expect(panel.get_by_role("button", name=label, exact=True)).to_have_attribute(
                "aria-pressed", "true"
            )
            for language, size, page in screens:
                where = f"[{language} {size['width']}x{size['height']}] {name}"
                problems += scene_problems(page, name, where)
                if size["width"] == 1920 and name in ("welcome", "agenda", "result", "break"):
                    violations = axe_violations(page)
                    if violations:
                        axe.append(describe_violations(where, violations))
                if os.environ.get("STAGE_SHOTS"):
                    shots = Path(os.environ["STAGE_SHOTS"])
                    shots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(shots / f"{name}-{language}-{size['width']}.png"))
        choose(chair, base, scene.meeting_id, "follow")
        for _language, _size, page in screens:
            expect(page.locator("#stage")).to_have_attribute("data-scene", "poll")
    assert not problems, "\n".join(problems)
    assert not axe, "\n".join(axe)
    assert not errors, "\n".join(errors)


def test_a_room_pc_pairs_by_code_and_the_chair_revokes_it(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=2)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    title = world.meeting.title
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = new_page(browser, base, "en", errors)
        log_in(chair, base, world.chair.username)
        chair.goto(f"{base}/meetings/{world.meeting.pk}/chair/")
        panel = chair.get_by_role("region", name="Projector")
        expect(panel.locator("#projector-links-empty")).to_be_visible()
        panel.get_by_role("button", name="Pair a room screen").click()
        code = panel.locator("#pair-code-shown")
        expect(code).to_have_text(re.compile(r"^[2-9A-HJKMNP-Z]{6}$"))

        # The room PC types a wrong code first: a clear refusal, nothing paired.
        room = new_page(browser, base, "en", errors, viewport=SCREENS[1])
        room.goto(f"{base}/projector/")
        room.get_by_label("Pairing code").fill("ZZZZZZ")
        room.get_by_role("button", name="Pair this screen").click()
        expect(room.get_by_role("alert")).to_contain_text("not valid or has expired")
        # Then the right one, typed in lower case with a space: the stage, and
        # no secret in the address.
        typed = code.inner_text().lower()
        room.get_by_label("Pairing code").fill(f"{typed[:3]} {typed[3:]}")
        room.get_by_label("Name of this screen (optional)").fill("Hall PC")
        room.get_by_role("button", name="Pair this screen").click()
        expect(room.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(room.locator("#connection")).to_have_attribute("data-state", "open")
        assert room.url == f"{base}/meetings/{world.meeting.pk}/projector/"
        # A used code pairs nothing more.
        other = new_page(browser, base, "en", errors, viewport=SCREENS[1])
        other.goto(f"{base}/projector/#{typed.upper()}")
        expect(other.get_by_role("alert")).to_contain_text("not valid or has expired")

        # A second screen pairs through the QR's address (the code after "#").
        panel.get_by_role("button", name="Pair a room screen").click()
        expect(code).not_to_have_text(typed.upper())
        fresh = code.inner_text()
        other.close()
        other = new_page(browser, base, "en", errors, viewport=SCREENS[1])
        other.goto(f"{base}/projector/#{fresh}")
        expect(other.get_by_role("heading", name=title, level=1)).to_be_visible()

        # The console lists both screens; the chair revokes the hall PC.
        chair.reload()
        rows = panel.locator(".projector-link-row")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Hall PC")
        panel.get_by_role("button", name=re.compile(r"^Revoke Hall PC")).click()
        expect(rows).to_have_count(1)
        room.goto(f"{base}/projector/")  # its link no longer opens: pair again
        expect(room.get_by_role("heading", name="Pair this screen as a projector")).to_be_visible()
        other.reload()
        expect(other.get_by_role("heading", name=title, level=1)).to_be_visible()
    assert not [e for e in errors if "status of 400" not in e], "\n".join(errors)
