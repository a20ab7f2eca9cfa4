"""End to end in Chromium: three phones (one in Arabic) ask to speak; a point
of order jumps the queue; the chair calls the speakers and starts the time;
the projector shows the speaker, the countdown and the next speakers. Then
axe-core checks the speakers' parts of the phone, the console and the
projector in English, Vietnamese and Arabic."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import Page, ViewportSize, expect

from meetings import services as meeting_services
from meetings.models import Member
from speakers import services
from tests.conftest import build_world, need
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

PHONE: ViewportSize = {"width": 360, "height": 740}


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def connected(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-connection", "open")


def test_phones_ask_the_chair_calls_and_the_projector_counts_down(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=3, items=2)
    arabic = world.voters[2]
    Member.objects.filter(pk=arabic.pk).update(preferred_language="ar")
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    token = meeting_services.projector_link_create(actor=world.chair, meeting=world.meeting)
    meeting_id = world.meeting.pk
    names = [voter.full_name for voter in world.voters]
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        watch_errors(chair, errors)
        log_in_by_id(chair, base, world.chair.username)
        chair.goto(f"{base}/meetings/{meeting_id}/chair/")
        connected(chair)
        console = chair.get_by_role("region", name="Speakers' list")

        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")
        panel = projector.locator("#projector-speakers")
        expect(panel).to_be_hidden()

        phones = []
        for voter in world.voters:
            phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            watch_errors(phone, errors)
            log_in_by_id(phone, base, voter.username)
            phone.goto(f"{base}/meetings/{meeting_id}/")
            connected(phone)
            phones.append(phone)
        ar = phones[2]
        expect(ar.locator("html")).to_have_attribute("dir", "rtl")

        # Two phones ask to speak, in order.
        for phone, place in ((phones[0], 1), (phones[1], 2)):
            phone.get_by_role("button", name="Ask to speak").click()
            expect(phone.locator("#speakers-my-place")).to_have_text(
                f"You are number {place} in the queue."
            )
        # The Arabic phone raises a point of order: it goes to the front.
        ar.get_by_label(in_language("ar", "Kind of request")).select_option("point_of_order")
        ar.get_by_role("button", name=in_language("ar", "Ask to speak")).click()
        expect(ar.locator("#speakers-my-place")).to_have_text(
            "ترتيبك 1 في قائمة الانتظار."  # djangojs: "You are number 1 in the queue."
        )
        expect(phones[0].locator("#speakers-my-place")).to_have_text(
            "You are number 2 in the queue."
        )
        queue = console.locator("#speakers-queue > li .speaker-name")
        expect(queue).to_have_text([f"{names[2]} (Point of order)", names[0], names[1]])
        expect(projector.locator("#projector-speakers-next > li")).to_have_text(
            [f"{names[2]} (Point of order)", names[0], names[1]]
        )

        # The chair calls the point of order, starts the time; the projector counts down.
        console.get_by_role("button", name="Call the next speaker").click()
        expect(projector.locator("#projector-speaker-name")).to_have_text(names[2])
        expect(projector.locator("#projector-speaker-kind")).to_have_text("Point of order")
        expect(ar.locator("#speakers-my-place")).to_have_text("الكلمة لك الآن.")
        console.get_by_role("button", name="Start the time").click()
        countdown = projector.get_by_role("timer", name="Speaking time left")
        expect(countdown).to_have_text(re.compile(r"^0[23]:[0-5]\d$"))
        first = countdown.inner_text()
        expect(countdown).not_to_have_text(first)  # it counts by itself
        expect(projector.locator("#projector-speakers-next > li")).to_have_text(names[:2])

        # Next: the first phone has the floor; the history has the point of order.
        console.get_by_role("button", name="Call the next speaker").click()
        expect(projector.locator("#projector-speaker-name")).to_have_text(names[0])
        expect(phones[0].locator("#speakers-my-place")).to_have_text("You have the floor.")
        expect(phones[1].locator("#speakers-my-place")).to_have_text(
            "You are number 1 in the queue."
        )
        expect(console.locator("#speakers-history tr td").first).to_have_text(
            f"{names[2]} (Point of order)"
        )
        # The second phone withdraws.
        phones[1].get_by_role("button", name="Withdraw my request").click()
        expect(phones[1].locator("#speakers-my-place")).to_have_text(
            "You are not on the speakers' list."
        )
        expect(console.locator("#speakers-empty")).to_be_visible()
    assert errors == []


@pytest.mark.parametrize("language", ["en", "vi", "ar"])
def test_speakers_parts_have_no_axe_violations(
    transactional_db: None, chromium_path: str, tmp_path: Path, language: str
) -> None:
    need(AXE_PATH.is_file(), f"axe-core is missing at {AXE_PATH}")
    world = build_world(voters=3, items=2)
    Member.objects.update(preferred_language=language)
    meeting, chair = world.meeting, world.chair
    meeting_services.meeting_start(actor=chair, meeting=meeting)
    services.speech_request(actor=world.voters[1], meeting=meeting, kind="question")
    services.speech_request(actor=world.voters[2], meeting=meeting)
    services.speech_request(actor=world.voters[0], meeting=meeting)
    services.speaker_call(actor=chair, meeting=meeting)
    services.speaker_start(actor=chair, meeting=meeting)
    token = meeting_services.projector_link_create(actor=chair, meeting=meeting)
    reports: list[str] = []
    errors: list[str] = []
    with (
        daphne_server(tmp_path) as base,
        chromium(chromium_path) as browser,
    ):
        pages: dict[str, tuple[Member | None, str, ViewportSize, str]] = {
            "phone": (world.voters[2], f"/meetings/{meeting.pk}/", PHONE, "#speakers"),
            "console": (
                chair,
                f"/meetings/{meeting.pk}/chair/",
                {"width": 1280, "height": 720},
                "#chair-speakers",
            ),
            "projector": (None, f"/projector/{token}/", {"width": 1920, "height": 1080}, ""),
        }
        for name, (member, path, viewport, section) in pages.items():
            context = browser.new_context(viewport=viewport)
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            watch_errors(page, errors)
            if member is not None:
                log_in_by_id(page, base, member.username)
            page.goto(base + path)
            if section:
                connected(page)
                expect(page.locator(section)).to_be_visible()
                expect(page.locator(f"{section} li, {section} p").first).to_be_attached()
            else:
                expect(page.locator("#projector-speaker-countdown")).to_be_visible()
            if name == "console":
                expect(page.locator("#speakers-queue > li")).to_have_count(2)
            violations = axe_violations(page)
            if violations:
                reports.append(describe_violations(f"[{language}] {name}", violations))
            assert page.evaluate("document.documentElement.lang") == language
    assert not reports, "\n".join(reports)
    assert errors == []
