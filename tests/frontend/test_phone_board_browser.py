"""The member's phone page and the board as a trial meeting found them: the
present first, earlier results folded, a compact header, how to check in,
secret or named on the ballot; a receipt that finds its own poll, a verdict in
view, in the reader's language, and weights without trailing zeros."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import ViewportSize, expect

from meetings import services
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, log_in_by_id, watch_errors
from tests.servers import daphne_server
from tests.voting.conftest import option_id, receipt
from voting import services as voting_services

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}


def test_phone_page_puts_the_present_first(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=2)
    meeting = world.meeting
    meeting.allow_remote_participation = True
    meeting.save()
    services.meeting_start(actor=world.chair, meeting=meeting)
    earlier = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title="Approve the minutes", kind="motion"
    )
    earlier = voting_services.poll_open(actor=world.chair, poll=earlier)
    voting_services.poll_close(actor=world.chair, poll=earlier)
    draft = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title="Never opened", kind="motion"
    )
    voting_services.poll_cancel(actor=world.chair, poll=draft, reason="Withdrawn")
    poll = voting_services.poll_create(
        actor=world.chair,
        meeting=meeting,
        title="Adopt the budget",
        kind="motion",
        secrecy="secret",
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    voter = world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_context(viewport=PHONE).new_page()
        watch_errors(page, errors)
        log_in(page, base, voter)
        page.goto(f"{base}/meetings/{meeting.pk}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")

        # The open poll comes first, above the current item and the documents.
        ballot = page.get_by_role("heading", name="Adopt the budget", level=2)
        expect(ballot).to_be_visible()
        top = ballot.bounding_box()
        assert top is not None and top["y"] < 740 / 2
        for later in ("#current-title", "#documents-heading", "#earlier-votes-heading"):
            box = page.locator(later).bounding_box()
            assert box is not None and box["y"] > top["y"], later
        # The ballot says the vote is secret before a choice is made.
        expect(page.get_by_text("Secret ballot: no one can see how you voted.")).to_be_visible()

        # The header (site and meeting) leaves most of the screen to the meeting.
        head = page.locator(".meeting-head").bounding_box()
        assert head is not None and head["y"] + head["height"] <= 240

        # Earlier results are folded; the member can unfold them.
        folded = page.locator("details.earlier-poll")
        expect(folded).to_have_count(1)
        expect(folded).not_to_have_attribute("open", "")
        expect(folded.locator(".result-sentence")).to_be_hidden()
        folded.locator("summary").click()
        expect(folded.locator(".result-sentence")).to_be_visible()
        # A draft cancelled before it opened is not shown at all.
        expect(page.locator(".poll-card:not(:has(.poll-title))")).to_have_count(0)
        expect(page.get_by_text("Never opened")).to_have_count(0)

        # "Absent" says how to check in, at the door or remotely.
        expect(page.locator("#my-presence")).to_contain_text("Absent")
        hint = page.locator("#presence-hint")
        expect(hint).to_contain_text("scan the QR code at the door")
        expect(hint).to_contain_text("Confirm your presence with the button below.")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def test_board_finds_the_receipts_poll_in_the_readers_language(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=1)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    member = world.voters[0]
    member.preferred_language = "ar"
    member.save()
    codes = []
    for title in ("Approve the minutes", "Adopt the budget"):
        poll = voting_services.poll_create(
            actor=world.chair, meeting=meeting, title=title, kind="motion", secrecy="secret"
        )
        poll = voting_services.poll_open(actor=world.chair, poll=poll)
        codes.append(
            voting_services.ballot_cast(
                voter=member, poll_id=poll.pk, choices=[option_id(poll, "Yes")], nonce=receipt()
            ).receipt_code
        )
        voting_services.poll_close(actor=world.chair, poll=poll)
    newer = poll.pk
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        page = browser.new_context(viewport=PHONE).new_page()
        watch_errors(page, errors)
        log_in_by_id(page, base, member.username)
        page.goto(f"{base}/meetings/{meeting.pk}/board/")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        # Yes / No / Abstain in the reader's language; weights as "1", not "1.0000".
        table = page.locator(f"#board-poll-{newer} .results-table").first
        expect(table).to_contain_text("نعم")
        expect(table).not_to_contain_text("Yes")
        expect(page.locator("td.number", has_text="1.0000")).to_have_count(0)

        # The newer poll's receipt, typed with no poll chosen: it finds its poll.
        page.locator("#receipt-code").fill(codes[1])
        page.locator("#receipt-form button[type=submit]").click()
        verdict = page.locator("#receipt-result")
        expect(verdict).to_have_class("receipt-result is-ok")
        expect(verdict).to_contain_text("Adopt the budget")
        expect(verdict).to_contain_text("نعم")
        expect(page.locator("#receipt-poll")).to_have_value(str(newer))
        # The verdict is in view and has the focus.
        expect(verdict).to_be_focused()
        expect(verdict).to_be_in_viewport()

        # The phone's link (poll and receipt in the fragment) lands on the verdict.
        page.goto(f"{base}/meetings/{meeting.pk}/board/#poll={newer}&receipt={codes[1]}")
        page.reload()
        expect(verdict).to_have_class("receipt-result is-ok")
        expect(verdict).to_be_focused()
        expect(verdict).to_be_in_viewport()
    assert errors == []
