"""The chair console in Debian's Chromium: sections with in-page links, and a
run bar that stays in reach however far the chair scrolls, on a 1280x720
laptop and a 360x740 phone: Previous/Next, the open poll's Close and the
projector's scene work from it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from meetings import services
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server
from voting import services as voting_services

pytestmark = pytest.mark.browser

QUESTION = "Adopt the budget"


def in_reach(page: Page) -> None:
    """At the bottom of the page, the run bar's controls are on the screen."""
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    bar = page.get_by_role("region", name="Run the meeting")
    expect(bar.get_by_role("button", name="Next", exact=True)).to_be_in_viewport(ratio=1)
    expect(bar.get_by_role("button", name="Previous", exact=True)).to_be_in_viewport(ratio=1)
    expect(bar.get_by_label("Projector shows")).to_be_in_viewport(ratio=1)
    expect(bar.get_by_role("button", name=f"Close the vote: {QUESTION}")).to_be_in_viewport(ratio=1)


def test_run_bar_stays_in_reach_and_runs_the_meeting(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=3)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title=QUESTION, kind="motion"
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    console = f"/meetings/{world.meeting.pk}/chair/"
    chair_login = world.chair.username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        chair.goto(f"{base}{console}")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        bar = chair.get_by_role("region", name="Run the meeting")
        expect(bar.get_by_role("link", name=QUESTION)).to_be_visible()
        in_reach(chair)

        # Next from the bar, at the bottom of the page.
        bar.get_by_role("button", name="Next", exact=True).click()
        expect(chair.locator("#current-title")).to_have_text("Item 2")

        # The scene picked in the bar is the one the projector panel shows as chosen.
        bar.get_by_label("Projector shows").select_option("agenda")
        projector = chair.get_by_role("region", name="Projector")
        scene = projector.get_by_role("button", name="Agenda", exact=True)
        expect(scene).to_have_attribute("aria-pressed", "true")
        expect(bar.get_by_label("Projector shows")).to_have_value("agenda")

        # A section link brings its heading into view, below the bar, not under it.
        nav = chair.get_by_role("navigation", name="Console sections")
        nav.get_by_role("link", name="Documents").click()
        heading = chair.get_by_role("heading", name="Documents", exact=True, level=2)
        expect(heading).to_be_in_viewport(ratio=1)
        bar_box, heading_box = bar.bounding_box(), heading.bounding_box()
        assert bar_box is not None and heading_box is not None
        assert heading_box["y"] >= bar_box["y"] + bar_box["height"], (bar_box, heading_box)

        # On a phone the bar is still there, and takes less than a third of the screen.
        chair.set_viewport_size({"width": 360, "height": 740})
        in_reach(chair)
        box = bar.bounding_box()
        assert box is not None and box["height"] < 740 / 3, box
        assert chair.evaluate("document.documentElement.scrollWidth") <= 360

        # The bar's Close asks first, as the poll's own Close does, then closes the poll.
        chair.once("dialog", lambda dialog: dialog.accept())
        bar.get_by_role("button", name=f"Close the vote: {QUESTION}").click()
        expect(chair.locator("#polls .result-sentence")).to_have_count(1)
        expect(bar.get_by_role("button", name=f"Close the vote: {QUESTION}")).to_have_count(0)

    assert errors == [], "\n".join(errors)
