"""End to end in Debian's Chromium: the projector shows the room QR code; a
member's phone opens the URL it holds and shows up as present on the chair
console; a clerk checks members in by number at the door page."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from meetings import checkin, services
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser


def test_room_qr_check_in_shows_on_the_chair_console(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    # All the database work before Playwright starts (its loop blocks the ORM).
    world = build_world(voters=2, items=1)
    meeting_id = world.meeting.pk
    projector_token = services.projector_token_for(world.meeting)
    chair_login, clerk_login = world.chair.username, world.clerk.username
    voter_login, voter_name = world.voters[0].username, world.voters[0].full_name
    second_number, second_name = world.voters[1].member_number, world.voters[1].full_name
    clerk_name = world.clerk.full_name
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        chair.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        panel = chair.get_by_role("region", name="Attendance")
        room_count = panel.locator('[data-count="room"]')
        expect(room_count).to_have_text("0")
        expect(panel.get_by_label("Room self check-in")).to_be_checked()

        # The projector shows the rotating room code, with the URL it holds.
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{projector_token}/")
        code = projector.get_by_role("region", name="Check in: scan with your phone")
        expect(code).to_be_visible()
        expect(code.get_by_role("img", name="QR code to check in to the room")).to_have_attribute(
            "src", re.compile(r"^data:image/svg\+xml")
        )
        expect(code).to_have_attribute(
            "data-checkin-url", re.compile(rf"^{re.escape(base)}/checkin/room/{meeting_id}/\d+\.")
        )
        checkin_url = code.get_attribute("data-checkin-url")
        assert checkin_url is not None
        window = int(checkin_url.rstrip("/").rsplit("/", 1)[1].split(".")[0])
        assert window in {
            checkin.room_window(checkin.clock()),
            checkin.room_window(checkin.clock()) - 1,
        }

        # A member's phone opens that URL (as its camera would) and is checked in.
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        watch_errors(phone, errors)
        log_in(phone, base, voter_login)
        phone.goto(checkin_url)
        expect(phone.get_by_role("heading", name="You are checked in", level=1)).to_be_visible()
        expect(phone.get_by_role("status")).to_contain_text(
            f"{voter_name} checked in", ignore_case=False
        )
        # ... and appears as present on the chair console, live.
        expect(room_count).to_have_text("1")
        expect(projector.locator("#projector-attendance")).to_contain_text("In the room: 1")

        # The chair switches room self check-in off: the projector hides the code.
        panel.get_by_label("Room self check-in").uncheck()
        expect(panel.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
        expect(code).to_be_hidden()

        # A clerk at the door: member number, then the same again (refused).
        clerk = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        watch_errors(clerk, errors)
        log_in(clerk, base, clerk_login)
        clerk.goto(f"{base}/meetings/{meeting_id}/clerk/")
        expect(clerk.locator("body")).to_have_attribute("data-connection", "open")
        expect(clerk.locator("#scanner")).to_be_hidden()  # no BarcodeDetector here
        number = clerk.get_by_role("textbox", name="Member number or name")
        number.fill(second_number)
        clerk.get_by_role("button", name="Check in", exact=True).click()
        result = clerk.locator("#checkin-result")
        expect(result).to_contain_text(
            re.compile(
                rf"{re.escape(second_name)} checked in \d\d:\d\d by {re.escape(clerk_name)}\."
            )
        )
        expect(room_count).to_have_text("2")
        number.fill(second_number)
        clerk.get_by_role("button", name="Check in", exact=True).click()
        expect(clerk.get_by_role("alert")).to_contain_text(f"{second_name} is already checked in")
        # Check-out from the recent list, and the return.
        clerk.get_by_role("button", name=f"Check out {second_name}").click()
        expect(result).to_contain_text(f"{second_name} checked out")
        expect(room_count).to_have_text("1")
        clerk.get_by_role("button", name=f"Check in {second_name} again").click()
        expect(result).to_contain_text(f"{second_name} checked in")
        expect(room_count).to_have_text("2")

    assert errors == []
