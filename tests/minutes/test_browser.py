"""End to end in Chromium: the clerk, as secretary, writes notes in the
console while the meeting runs; they are saved as she types and are there
after a reload, in the console and on the minutes page. Then the meeting
closes, axe-core checks the minutes page in English, Vietnamese and Arabic
(phone and laptop widths, screenshots for a person to look at), and the
clerk finalises: the notes become read-only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, ViewportSize, expect

from meetings import services as meeting_services
from meetings.models import Meeting
from minutes.models import Minutes, MinutesNote
from tests.conftest import build_world
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    in_thread,
    log_in_by_id,
    watch_errors,
)
from tests.minutes.conftest import hold_meeting
from tests.servers import daphne_server

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
LAPTOP: ViewportSize = {"width": 1280, "height": 720}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def _close(meeting_id: int, chair_id: int) -> None:
    from meetings.models import Member

    meeting = Meeting.objects.get(pk=meeting_id)
    meeting_services.meeting_close(actor=Member.objects.get(pk=chair_id), meeting=meeting)


def _advance(meeting_id: int, chair_id: int) -> None:
    from meetings.models import Member

    meeting = Meeting.objects.get(pk=meeting_id)
    meeting_services.agenda_advance(
        actor=Member.objects.get(pk=chair_id), meeting=meeting, direction="next"
    )


def _language(meeting_id: int, language: str) -> None:
    Meeting.objects.filter(pk=meeting_id).update(language=language)


def check(page: Page, where: str, width: int) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where


def saved(status: object) -> None:
    expect(status).to_have_text("Saved.")  # type: ignore[call-overload]


def test_the_secretary_writes_notes_that_persist_then_finalises(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=4, items=3)
    held = hold_meeting(world, close=False)  # live, on item 2
    meeting_id = world.meeting.pk
    first, second, third = world.items
    digest = held.budget_poll.seal.head_hash
    fingerprint = " ".join(digest[i : i + 4] for i in range(0, 16, 4))
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        page = browser.new_context(viewport=LAPTOP).new_page()
        watch_errors(page, errors)
        log_in_by_id(page, base, world.clerk.username)

        # The console: the note box follows the current item (item 2).
        page.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        panel = page.get_by_role("region", name="Minutes")
        picker = panel.get_by_label("Agenda item")
        box = panel.get_by_label("Secretary's notes")
        status = panel.locator("#minutes-note-status")
        expect(box).to_be_enabled()
        expect(picker).to_have_value(str(second.pk))
        box.press_sequentially("Budget discussed; the treasurer answered.", delay=5)
        saved(status)
        picker.select_option(str(first.pk))
        expect(box).to_have_value("")
        box.fill("Accounts approved without questions.")
        saved(status)

        page.reload()
        expect(box).to_be_enabled()
        expect(picker).to_have_value(str(second.pk))
        expect(box).to_have_value("Budget discussed; the treasurer answered.")
        picker.select_option(str(first.pk))
        expect(box).to_have_value("Accounts approved without questions.")
        check(page, "console with the minutes panel", LAPTOP["width"])
        SHOTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(SHOTS / "minutes-console-laptop.png"))
        page.set_viewport_size(PHONE)
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(SHOTS / "minutes-console-phone.png"))
        page.set_viewport_size(LAPTOP)

        # The chair moves on: the note box follows to the new current item.
        in_thread(_advance, meeting_id, world.chair.pk)
        expect(picker).to_have_value(str(third.pk))
        expect(box).to_have_value("")

        # The minutes page shows them, and saves its own boxes too.
        page.goto(f"{base}/meetings/{meeting_id}/minutes/")
        expect(page.locator(f"#note-{first.pk}")).to_have_value(
            "Accounts approved without questions."
        )
        third_box = page.locator(f"#note-{third.pk}")
        third_box.fill("Any other business: none.")
        third_box.blur()
        saved(page.locator(f"#note-{third.pk}-status"))
        page.reload()
        expect(third_box).to_have_value("Any other business: none.")
        # Typed and left at once, before the pause: saved as the page goes.
        second_box = page.locator(f"#note-{second.pk}")
        second_box.fill("Budget discussed; the treasurer answered. Adopted.")
        page.goto(f"{base}/meetings/{meeting_id}/chair/")
        page.goto(f"{base}/meetings/{meeting_id}/minutes/")
        expect(second_box).to_have_value("Budget discussed; the treasurer answered. Adopted.")
        expect(page.get_by_role("button", name="Finalise the minutes")).to_have_count(0)
        assert in_thread(MinutesNote.objects.count) == 3

        # Closed: the minutes page in three languages, phone and laptop.
        in_thread(_close, meeting_id, world.chair.pk)
        for language in ("en", "vi", "ar"):
            in_thread(_language, meeting_id, language)
            for name, viewport in (("phone", PHONE), ("laptop", LAPTOP)):
                page.set_viewport_size(viewport)
                page.goto(f"{base}/meetings/{meeting_id}/minutes/")
                expect(page.locator("html")).to_have_attribute("lang", language)
                page.locator("details.minutes-list summary").click()
                check(page, f"minutes {language} {name}", viewport["width"])
                page.screenshot(path=str(SHOTS / f"minutes-{language}-{name}.png"), full_page=True)
        expect(page.get_by_text(fingerprint)).to_be_visible()
        assert page.locator("html").get_attribute("dir") == "rtl"

        # Finalise (in Arabic now): the notes become read-only.
        in_thread(_language, meeting_id, "en")
        page.goto(f"{base}/meetings/{meeting_id}/minutes/")
        page.once("dialog", lambda dialog: dialog.accept() if isinstance(dialog, Dialog) else None)
        page.get_by_role("button", name="Finalise the minutes").click()
        expect(page.get_by_text(re.compile(r"^Finalised .* by Clerk Trần\."))).to_be_visible()
        expect(page.locator("textarea.minutes-note")).to_have_count(0)
        expect(page.get_by_text("Any other business: none.")).to_be_visible()
        check(page, "finalised minutes", LAPTOP["width"])

        # The console's box is read-only too.
        page.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(box).to_have_js_property("readOnly", True)

    assert Minutes.objects.filter(meeting_id=meeting_id).exists()
    assert not errors, errors
