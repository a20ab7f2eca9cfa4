"""End to end in Chromium: the chair presents a document and flips to page 3;
the projector and a following phone show page 3; a member who switched
following off stays on their own page until they go back to the live page.
The chair deletes a document uploaded by mistake and phones drop it live."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, expect

from documents import services
from documents.models import Document
from meetings import services as meeting_services
from tests.conftest import build_world
from tests.documents.conftest import pdf_upload
from tests.documents.pdfs import make_pdf
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser


@contextmanager
def server_log_on_failure(tmp_path: Path) -> Iterator[None]:
    """On a failed expectation, show the end of the server's log too."""
    try:
        yield
    except AssertionError as exc:
        logs = "\n".join(p.read_text()[-4000:] for p in tmp_path.glob("daphne-*.log"))
        raise AssertionError(f"{exc}\n--- server log ---\n{logs}") from exc


def image_loaded(selector: str, width: int) -> str:
    return (
        f"() => {{ const img = document.querySelector({selector!r});"
        f" return img && img.complete && img.naturalWidth === {width}; }}"
    )


def test_chair_flips_to_page_3_and_followers_follow(
    transactional_db: None,
    chromium_path: str,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Everything in the database before Playwright starts.
    world = build_world(voters=2, items=2)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.document_upload(
        actor=world.chair,
        meeting=world.meeting,
        upload=pdf_upload(make_pdf(5, title="Agenda")),
        title="Agenda",
        agenda_item_id=world.items[0].pk,
    )
    token = meeting_services.projector_link_create(actor=world.chair, meeting=world.meeting)
    meeting_id = world.meeting.pk
    logins = [world.chair.username, world.voters[0].username, world.voters[1].username]
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))  # the server reads the same files
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
        server_log_on_failure(tmp_path),
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, logins[0])
        chair.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")

        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")
        expect(projector.locator("#projector-document")).to_be_hidden()

        phones = []
        for login in logins[1:]:
            phone = browser.new_context(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            ).new_page()
            watch_errors(phone, errors)
            log_in(phone, base, login)
            phone.goto(f"{base}/meetings/{meeting_id}/")
            expect(phone.locator("body")).to_have_attribute("data-connection", "open")
            documents = phone.get_by_role("region", name="Documents")
            expect(documents.get_by_role("heading", name="1. Item 1")).to_be_visible()
            expect(documents.get_by_role("button", name="Read: Agenda")).to_be_visible()
            phones.append(phone)
        follower, browser_member = phones

        # The chair puts the document on the projector: page 1 everywhere.
        chair.get_by_role("button", name="Present: Agenda").click()
        status = chair.locator("#presenting-status")
        expect(status).to_have_text("Showing Agenda, page 1 of 5")
        for phone in phones:
            expect(phone.locator("#page-image")).to_have_attribute(
                "src", re.compile(r"/pages/1/image/phone/$")
            )
            expect(phone.locator("#follow-status")).to_have_text("Following the presenter")

        # The second member stops following.
        toggle = browser_member.get_by_role("button", name="Follow the presenter")
        expect(toggle).to_have_attribute("aria-pressed", "true")
        toggle.click()
        expect(toggle).to_have_attribute("aria-pressed", "false")
        expect(browser_member.locator("#follow-status")).to_have_text("Browsing on your own.")

        # The chair flips to page 3.
        chair.get_by_role("button", name="Next page").click()
        chair.get_by_role("button", name="Next page").click()
        expect(status).to_have_text("Showing Agenda, page 3 of 5")

        # The projector shows page 3, full screen, through its token.
        page_image = projector.locator("#projector-page")
        expect(projector.locator("#projector-document")).to_be_visible()
        expect(page_image).to_have_attribute("src", re.compile(r"/pages/3/image/projector/$"))
        expect(page_image).to_have_attribute("alt", "Agenda page 3")
        projector.wait_for_function(image_loaded("#projector-page", 764))

        # The following phone shows page 3, with its text as the image's alt.
        image = follower.locator("#page-image")
        expect(image).to_have_attribute("src", re.compile(r"/pages/3/image/phone/$"))
        expect(image).to_have_attribute("alt", "Agenda page 3")
        expect(follower.locator("#page-caption")).to_have_text("Page 3 of 5")
        follower.wait_for_function(image_loaded("#page-image", 720))
        expect(follower.get_by_role("button", name="Back to the live page")).to_be_hidden()

        # The member who stopped following is still on page 1 ...
        own = browser_member.locator("#page-image")
        expect(own).to_have_attribute("src", re.compile(r"/pages/1/image/phone/$"))
        expect(browser_member.locator("#page-caption")).to_have_text("Page 1 of 5")
        # ... browses on their own ...
        browser_member.get_by_role("button", name="Next page").click()
        expect(browser_member.locator("#page-caption")).to_have_text("Page 2 of 5")
        # ... and goes back to the live page when they want.
        back = browser_member.get_by_role("button", name="Back to the live page")
        back.click()
        expect(own).to_have_attribute("src", re.compile(r"/pages/3/image/phone/$"))
        expect(toggle).to_have_attribute("aria-pressed", "true")
        expect(back).to_be_hidden()

        # A private note on the page, saved and read back after a reload.
        follower.get_by_label("My private note on this page").fill("Ask about page 3")
        follower.get_by_role("button", name="Save note").click()
        expect(follower.locator("#note-status")).to_have_text("Note saved.")
        follower.reload()
        expect(follower.get_by_label("My private note on this page")).to_have_value(
            "Ask about page 3"
        )

        # Pinch zoom stays allowed; the phone page does not scroll sideways.
        viewport = follower.locator('meta[name="viewport"]').get_attribute("content") or ""
        assert "user-scalable=no" not in viewport and "maximum-scale=1" not in viewport
        assert follower.evaluate("document.documentElement.scrollWidth") <= 390

    assert errors == []


def test_chair_deletes_a_document_and_phones_drop_it(
    transactional_db: None,
    chromium_path: str,
    tmp_path: Path,
    media_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = build_world(voters=1, items=1)
    meeting_services.meeting_start(actor=world.chair, meeting=world.meeting)
    for title in ("Agenda", "Wrong file"):
        services.document_upload(
            actor=world.chair,
            meeting=world.meeting,
            upload=pdf_upload(make_pdf(2, title=title)),
            title=title,
        )
    wrong = Document.objects.get(title="Wrong file")
    services.presenter_show(actor=world.chair, meeting=world.meeting, document=wrong, page=1)
    meeting_id = world.meeting.pk
    logins = [world.chair.username, world.voters[0].username]
    monkeypatch.setenv("MEDIA_ROOT", str(media_root))
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
        server_log_on_failure(tmp_path),
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, logins[0])
        chair.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        ).new_page()
        watch_errors(phone, errors)
        log_in(phone, base, logins[1])
        phone.goto(f"{base}/meetings/{meeting_id}/")
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        documents = phone.get_by_role("region", name="Documents")
        expect(documents.get_by_role("button", name="Read: Wrong file")).to_be_visible()
        expect(phone.locator("#doc-title")).to_have_text("Wrong file")  # following the live page

        questions: list[str] = []

        def accept(dialog: Dialog) -> None:
            questions.append(dialog.message)
            dialog.accept()

        chair.on("dialog", accept)
        delete = chair.get_by_role("button", name="Delete: Wrong file")

        # On the projector: the server refuses and the chair reads why.
        delete.click()
        expect(chair.get_by_role("alert")).to_contain_text("Stop presenting this document first.")
        assert questions and "Wrong file" in questions[0]
        expect(documents.get_by_role("button", name="Read: Wrong file")).to_be_visible()

        chair.get_by_role("button", name="Stop showing").click()
        expect(chair.locator("#presenting-status")).to_have_text("No document is shown.")
        delete.click()
        expect(delete).to_have_count(0)
        expect(chair.get_by_role("alert")).to_be_empty()
        expect(documents.get_by_role("button", name="Read: Wrong file")).to_have_count(0)
        expect(documents.get_by_role("button", name="Read: Agenda")).to_be_visible()
        expect(phone.locator("#doc-viewer")).to_be_hidden()  # its pages are gone too
        expect(chair.get_by_role("button", name="Delete: Agenda")).to_be_visible()

    assert errors == []
    assert list(Document.objects.values_list("title", flat=True)) == ["Agenda"]
