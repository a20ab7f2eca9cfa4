"""Motions in Debian's Chromium: the chair shows an amendment on the
projector as a change, puts it to the vote, closes the vote and it is
carried; then the motion; the final text on the chair's laptop and on a
phone holds the amendment, with its SHA-256. Ballots go through the REST API
from the voters' own logged-in pages. And axe-core finds nothing on the
motions page and the projector's motion in English, Vietnamese and Arabic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from meetings import services as meeting_services
from meetings.models import Member
from motions import services, texts
from tests.conftest import World, build_world, need
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

pytestmark = pytest.mark.browser

TEXT = "The union demands a living wage.\n\nThe executive reports by June."
AMENDED = "The executive reports by March."
LAPTOP = {"width": 1280, "height": 720}
PHONE = {"width": 360, "height": 740}
ROOM = {"width": 1920, "height": 1080}

# A ballot through the REST API, from the voter's own page (session and CSRF
# cookie): the poll's "Yes" option, and a receipt code drawn as a phone does.
CAST_YES = """async (pollId) => {
  const csrf = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  const headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": csrf ? decodeURIComponent(csrf.split("=")[1]) : ""};
  const poll = await (await fetch(`/api/polls/${pollId}/`, {headers})).json();
  const yes = poll.options.find((o) => o.role === "yes").id;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const code = Array.from(bytes, (b) => alphabet[b % 32]).join("");
  const answer = await fetch(`/api/polls/${pollId}/ballots/`, {
    method: "POST", headers, credentials: "same-origin",
    body: JSON.stringify({receipt_code: code, choices: [yes]}),
  });
  return answer.status;
}"""


def prepare(language: str = "en") -> tuple[World, str, int]:
    """A live meeting with an admitted motion and one amendment to it."""
    world = build_world(voters=2, items=2)
    Member.objects.update(preferred_language=language)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    motion = services.motion_submit(
        actor=world.voters[0], meeting=world.meeting, title="Living wage", text=TEXT
    )
    services.motion_support(actor=world.voters[1], motion=motion)
    services.motion_admit(actor=world.chair, motion=motion, agenda_item_id=world.items[0].pk)
    services.amendment_submit(
        actor=world.voters[1], motion=motion, action="replace", paragraph=2, text=AMENDED
    )
    token = meeting_services.projector_link_create(actor=world.chair, meeting=world.meeting)
    return world, token, motion.pk


def page_for(browser: Browser, base: str, language: str, errors: list[str], **options: Any) -> Page:
    context = browser.new_context(**options)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    watch_errors(page, errors)
    return page


def cast_yes(page: Page, poll_id: int) -> None:
    assert page.evaluate(CAST_YES, poll_id) == 201


def poll_of(page: Page, motion_id: int, amendment: bool) -> int:
    motion = page.evaluate(
        "async (id) => (await (await fetch(`/api/motions/${id}/`)).json())", motion_id
    )
    poll_id: int = motion["amendments"][0]["poll_id"] if amendment else motion["poll_id"]
    return poll_id


def test_an_amendment_carried_then_its_motion(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world, token, motion_id = prepare()
    meeting_id = world.meeting.pk
    chair_login, voter_login = world.chair.username, world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = page_for(browser, base, "en", errors, viewport=LAPTOP)
        log_in_by_id(chair, base, chair_login)
        chair.goto(f"{base}/meetings/{meeting_id}/motions/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        card = chair.get_by_role("article", name="Motion 1: Living wage")
        expect(card.locator(".motion-change del")).to_have_text("The executive reports by June.")
        expect(card.locator(".motion-change ins")).to_have_text(AMENDED)

        projector = page_for(browser, base, "en", errors, viewport=ROOM)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")
        card.get_by_role("button", name="Show amendment 1 to motion 1 on the projector").click()
        shown = projector.locator("#projector-motion")
        expect(shown.get_by_role("heading")).to_have_text("Amendment 1 to motion 1: Living wage")
        expect(shown.locator("ins")).to_have_text(AMENDED)

        phone = page_for(browser, base, "en", errors, viewport=PHONE, is_mobile=True)
        log_in_by_id(phone, base, voter_login)
        phone.goto(f"{base}/meetings/{meeting_id}/motions/")
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        # The motion goes to the vote only after its amendments.
        card.get_by_role("button", name="Put motion 1 to the vote").click()
        expect(chair.locator("#motions-error")).to_contain_text("Amendments are voted before")

        card.get_by_role("button", name="Put amendment 1 to motion 1 to the vote").click()
        phone_card = phone.get_by_role("article", name="Motion 1: Living wage")
        expect(phone_card.get_by_text("Voting is open.")).to_be_visible()
        poll_id = poll_of(phone, motion_id, amendment=True)
        cast_yes(phone, poll_id)
        cast_yes(chair, poll_id)
        card.get_by_role("button", name="Close the vote on amendment 1 to motion 1").click()
        expect(card.locator(".amendment-list .motion-state")).to_have_text("Carried")
        expect(card.locator(".motion-text")).to_contain_text(AMENDED)

        card.get_by_role("button", name="Put motion 1 to the vote").click()
        expect(phone_card.get_by_text("Voting is open.")).to_be_visible()
        poll_id = poll_of(phone, motion_id, amendment=False)
        cast_yes(phone, poll_id)
        cast_yes(chair, poll_id)
        card.get_by_role("button", name="Close the vote on motion 1").click()
        expect(card.locator(".motion-state").first).to_have_text("Carried")
        for page in (chair, phone):
            final = page.locator(".motion-final")
            expect(final).to_contain_text(AMENDED)
            expect(final).to_contain_text("The union demands a living wage.")
            expect(final).not_to_contain_text("by June")
        expect(phone_card.locator(".motion-hash")).to_have_text(
            "SHA-256: " + texts.sha256("The union demands a living wage.\n\n" + AMENDED)
        )
        # The resolution gathers it.
        chair.get_by_label("Title of the resolution").fill("Resolution of the congress")
        chair.get_by_role("button", name="Gather the carried motions").click()
        expect(chair.locator("#resolution")).to_contain_text(AMENDED)
        expect(phone.locator("#resolution")).to_contain_text("Resolution of the congress")
    assert errors == []


@pytest.mark.parametrize("language", ["en", "vi", "ar"])
def test_motion_pages_pass_axe(
    transactional_db: None, chromium_path: str, tmp_path: Path, language: str
) -> None:
    need(AXE_PATH.is_file(), f"axe-core is missing at {AXE_PATH}")
    world, token, motion_id = prepare(language)
    services.motion_project(
        actor=world.chair,
        meeting=world.meeting,
        motion_id=motion_id,
        amendment_id=world.meeting.motions.get().amendments.get().pk,
    )
    meeting_id = world.meeting.pk
    logins = {"chair": world.chair.username, "voter": world.voters[1].username}
    errors: list[str] = []
    found: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    with (
        daphne_server(tmp_path) as base,
        chromium(chromium_path) as browser,
    ):
        for who, viewport in (("chair", LAPTOP), ("voter", PHONE)):
            page = page_for(browser, base, language, errors, viewport=viewport)
            log_in_by_id(page, base, logins[who])
            page.goto(f"{base}/meetings/{meeting_id}/motions/")
            expect(page.locator("body")).to_have_attribute("data-connection", "open")
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("html")).to_have_attribute(
                "dir", "rtl" if language == "ar" else "ltr"
            )
            page.locator("details summary").first.click()  # the amendment form too
            found += describe_violations(f"[{language}] {who}", axe_violations(page)).splitlines()
        projector = page_for(browser, base, language, errors, viewport=ROOM)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#projector-motion ins")).to_have_text(AMENDED)
        found += describe_violations(
            f"[{language}] projector", axe_violations(projector)
        ).splitlines()
    assert found == []
    assert errors == []
