"""The console each role gets, in Debian's Chromium: a clerk's console offers
check-in, paper ballots and the door page, and none of the chair's controls
(agenda, opening and closing polls, projector, settings, documents); the chair
still has them all. axe-core finds nothing on the clerk's console in English
and Arabic; screenshots at 360x740 and 1280x720 for a person to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from meetings import services
from meetings.models import Participant
from tests.conftest import build_world
from tests.factories import MemberFactory, MembershipFactory, ParticipantFactory
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    log_in_by_id,
    watch_errors,
)
from tests.servers import daphne_server
from voting import services as voting_services

pytestmark = pytest.mark.browser

OPEN = "Adopt the budget"
DRAFT = "Approve the minutes"
SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "laptop": {"width": 1280, "height": 720},
}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def console(page: Page, base: str, meeting_id: int) -> None:
    page.goto(f"{base}/meetings/{meeting_id}/chair/")
    expect(page.locator("body")).to_have_attribute("data-connection", "open")


def test_a_clerk_gets_the_clerks_console_and_the_chair_the_whole_one(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=2)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    voting_services.poll_create(actor=world.chair, meeting=meeting, title=DRAFT, kind="motion")
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=OPEN, kind="motion"
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    # A second clerk reads Arabic (a member's preferred language wins once logged in).
    arabic_clerk = MemberFactory.create(full_name="كاتب", preferred_language="ar")
    MembershipFactory.create(member=arabic_clerk, union=world.union)
    ParticipantFactory.create(meeting=meeting, member=arabic_clerk, role=Participant.Role.CLERK)
    clerks = {"en": world.clerk.username, "ar": arabic_clerk.username}
    chair_login = world.chair.username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path) as base,
        chromium(chromium_path) as browser,
    ):
        for language in ("en", "ar"):
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport, locale=language)
                page = context.new_page()
                watch_errors(page, errors)
                log_in_by_id(page, base, clerks[language])
                console(page, base, meeting.pk)
                expect(page.locator("html")).to_have_attribute("lang", language)
                if language == "en":
                    expect(page).to_have_title(re.compile(f"^Clerk console: {meeting.title} "))
                    polls = page.get_by_role("region", name="Polls", exact=True)
                    expect(polls.get_by_role("region", name="Paper ballots")).to_be_visible()
                    for name in (f"Open: {DRAFT}", f"Close: {OPEN}", f"Cancel poll: {OPEN}"):
                        expect(polls.get_by_role("button", name=name)).to_have_count(0)
                    agenda = page.get_by_role("region", name="Agenda")
                    expect(agenda.get_by_text("Item 2")).to_be_visible()
                    expect(agenda.get_by_role("button")).to_have_count(0)
                    for name in ("Next", "Previous", "Start meeting", "Create projector link"):
                        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
                    expect(page.get_by_role("button", name="Add item")).to_have_count(0)
                    expect(page.get_by_role("button", name="Create poll")).to_have_count(0)
                    expect(page.get_by_role("region", name="Voting settings")).to_have_count(0)
                    expect(page.get_by_role("link", name="Door check-in page")).to_be_visible()
                violations = axe_violations(page)
                assert not violations, describe_violations(f"clerk {language}", violations)
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                SHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SHOTS / f"clerk-console-{language}-{size}.png"))
                context.close()

        chair = browser.new_context(viewport=SIZES["laptop"]).new_page()
        watch_errors(chair, errors)
        log_in_by_id(chair, base, chair_login)
        console(chair, base, meeting.pk)
        expect(chair).to_have_title(re.compile(f"^Chair console: {meeting.title} "))
        polls = chair.get_by_role("region", name="Polls", exact=True)
        expect(polls.get_by_role("button", name=f"Open: {DRAFT}")).to_be_visible()
        expect(polls.get_by_role("button", name=f"Close: {OPEN}")).to_be_visible()
        expect(chair.get_by_role("button", name="Next", exact=True)).to_be_visible()
        expect(chair.get_by_role("region", name="Voting settings")).to_be_visible()
        agenda = chair.get_by_role("region", name="Agenda")
        expect(agenda.get_by_role("button", name="Make current: Item 2")).to_be_visible()

    assert errors == []
