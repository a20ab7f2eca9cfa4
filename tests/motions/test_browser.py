"""End to end in Chromium: a member submits a motion on the motions page,
another (in Arabic) supports it, the chair admits it; a third member proposes
an amendment, which the projector shows as a change of the text. The chair
puts the amendment to the vote, members vote on their phones, it is carried;
then the motion, carried too, and its final text holds the amendment, on
the motions page and on the projector, and the resolution gathers it.
(tests/frontend/test_motions_browser.py runs axe-core on these pages.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from meetings import services as meeting_services
from meetings.models import Member
from motions import texts
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in_by_id, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
LAPTOP: ViewportSize = {"width": 1280, "height": 720}
TEXT = "Two workers on every night shift.\n\nA first-aid kit in every van."
AMENDED = "A first-aid kit and a defibrillator in every van."


def connected(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-connection", "open")


def vote_yes(phone: Page, base: str, meeting_id: int) -> None:
    """On the member page, as a member votes: the open poll's own ballot."""
    phone.goto(f"{base}/meetings/{meeting_id}/")
    connected(phone)
    box = phone.locator("[id^='ballot-'][id$='-self']").first
    box.get_by_role("group", name="Your vote").get_by_role("radio", name="Yes", exact=True).check()
    box.get_by_role("button", name="Review my vote").click()
    box.get_by_role("button", name="Cast my vote").click()
    expect(box.get_by_role("heading", name="Your vote was counted")).to_be_visible()


def test_an_amendment_then_its_motion_carried_from_the_phones(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=3, items=2)
    supporter = world.voters[1]
    Member.objects.filter(pk=supporter.pk).update(preferred_language="ar")
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    token = meeting_services.projector_link_create(actor=world.chair, meeting=world.meeting)
    meeting_id = world.meeting.pk
    motions_url = f"/meetings/{meeting_id}/motions/"
    item = world.items[0]
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):

        def phone_for(member: Member) -> Page:
            page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
            watch_errors(page, errors)
            log_in_by_id(page, base, member.username)
            page.goto(base + motions_url)
            connected(page)
            return page

        chair = browser.new_context(viewport=LAPTOP).new_page()
        watch_errors(chair, errors)
        log_in_by_id(chair, base, world.chair.username)
        chair.goto(base + motions_url)
        connected(chair)
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")

        # A member submits the motion from the phone.
        author = phone_for(world.voters[0])
        author.get_by_label("Title").fill("Safer night shifts")
        author.get_by_label("Text", exact=True).fill(TEXT)
        author.get_by_label("Reasons").fill("Two accidents this year.")
        author.get_by_role("button", name="Submit the motion").click()
        card = chair.get_by_role("article", name="Motion 1: Safer night shifts")
        expect(card).to_contain_text("Submitted")

        # The Arabic phone supports it: the chair sees the supporter at once.
        arabic = phone_for(supporter)
        expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
        arabic.locator("#motions-list button").first.click()
        expect(card).to_contain_text(supporter.full_name)

        # The chair admits it to the first item.
        card.get_by_label("Agenda item for motion 1").select_option(str(item.pk))
        card.get_by_role("button", name="Admit motion 1").click()
        expect(card.locator(".motion-state").first).to_have_text("Admitted")

        # A third member proposes to replace paragraph 2.
        amender = phone_for(world.voters[2])
        mine = amender.get_by_role("article", name="Motion 1: Safer night shifts")
        mine.get_by_text("Propose an amendment to motion 1").click()
        mine.get_by_label("Change").select_option("replace")
        mine.get_by_label("Paragraph").fill("2")
        mine.get_by_label("New text").fill(AMENDED)
        mine.get_by_role("button", name="Propose the amendment to motion 1").click()
        amendment = card.locator(".amendment-list > li").first
        expect(amendment).to_contain_text("Amendment 1")
        expect(amendment.locator("del")).to_have_text("A first-aid kit in every van.")
        expect(amendment.locator("ins")).to_have_text(AMENDED)

        # The projector shows the amendment as a change of the text.
        card.get_by_role("button", name="Show amendment 1 to motion 1 on the projector").click()
        shown = projector.locator(".projector-motion-title")
        expect(shown).to_have_text("Amendment 1 to motion 1: Safer night shifts")
        expect(shown).to_be_visible()
        expect(projector.locator("ins")).to_have_text(AMENDED)

        # The motion goes to the vote only after its amendments.
        card.get_by_role("button", name="Put motion 1 to the vote").click()
        expect(chair.locator("#motions-error")).to_contain_text("Amendments are voted before")
        # The amendment is voted first, on the phones.
        card.get_by_role("button", name="Put amendment 1 to motion 1 to the vote").click()
        expect(amendment).to_contain_text("Voting is open.")
        for phone in (author, amender):
            vote_yes(phone, base, meeting_id)
        amendment.get_by_role("button", name="Close the vote on amendment 1 to motion 1").click()
        expect(amendment.locator(".motion-state")).to_have_text("Carried")
        expect(amendment.locator(".motion-result")).to_contain_text("Carried")

        # Then the motion; its final text holds the amendment.
        card.get_by_role("button", name="Put motion 1 to the vote").click()
        expect(card.locator(".motion-poll").first).to_contain_text("Voting is open.")
        for phone in (author, amender):
            vote_yes(phone, base, meeting_id)
        card.get_by_role("button", name="Close the vote on motion 1").click()
        expect(card.locator(".motion-state").first).to_have_text("Carried")
        final = card.locator(".motion-final")
        expect(final).to_contain_text("Two workers on every night shift.")
        expect(final).to_contain_text(AMENDED)
        expect(final).not_to_contain_text("A first-aid kit in every van.")
        expect(card.locator(".motion-hash")).to_have_text(
            "SHA-256: " + texts.sha256("Two workers on every night shift.\n\n" + AMENDED)
        )

        # The projector shows the carried motion's final text.
        # (The result of the vote shows until then: putting the motion up moves on.)
        expect(projector.locator("#projector-poll")).to_be_visible()
        card.get_by_role("button", name="Show motion 1 on the projector").click()
        expect(shown).to_have_text("Motion 1: Safer night shifts")
        expect(projector.locator("#projector-motion")).to_be_visible()
        expect(projector.locator("#projector-poll")).to_be_hidden()
        expect(projector.locator("#projector-motion")).to_contain_text(AMENDED)
        # The author's phone followed live; the resolution gathers the motion.
        author.goto(base + motions_url)
        expect(author.locator(".motion-final")).to_contain_text(AMENDED)
        chair.get_by_label("Title of the resolution").fill("Resolution of the congress")
        chair.get_by_role("button", name="Gather the carried motions").click()
        expect(chair.locator("#resolution")).to_contain_text(AMENDED)
        expect(author.locator("#resolution")).to_contain_text("Resolution of the congress")
    assert errors == []
