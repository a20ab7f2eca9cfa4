"""axe-core finds nothing on the motions page and the projector's motion in
English, Vietnamese and Arabic. (The whole course of a motion, from the
phones, is tests/motions/test_browser.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from meetings import services as meeting_services
from meetings.models import Member
from motions import services
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
