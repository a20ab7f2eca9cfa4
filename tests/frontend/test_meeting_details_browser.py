"""The chair console's "Meeting details" form in Chromium: the livestream link
and the public board are set from the console, and a link the livestream page
could not show is refused with the server's sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser

STREAM = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.django_db(transaction=True)
def test_chair_sets_the_livestream_link_and_opens_the_board(
    tmp_path: Path, chromium_path: str
) -> None:
    world = build_world(voters=1, items=1)
    meeting_id, chair_login = world.meeting.pk, world.chair.username
    errors: list[str] = []

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watch_errors(page, errors)
        log_in(page, base, chair_login)
        page.goto(f"{base}/meetings/{meeting_id}/chair/")
        details = page.get_by_role("region", name="Meeting details")
        status = details.get_by_role("status")

        details.get_by_label("Livestream link").fill("https://example.org/our-meeting")
        details.get_by_role("button", name="Save meeting details").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "The livestream page cannot show this link."
        )
        expect(status).to_have_text("")

        details.get_by_label("Livestream link").fill(STREAM)
        details.get_by_label("Bulletin board open to the public").check()
        details.get_by_label("Location").fill("Hall B")
        details.get_by_role("button", name="Save meeting details").click()
        expect(status).to_have_text("Meeting details saved.")
        expect(page.get_by_role("alert")).to_have_text("")

    meeting = Meeting.objects.get(pk=meeting_id)
    assert (meeting.livestream_url, meeting.board_public, meeting.location) == (
        STREAM,
        True,
        "Hall B",
    )
    # The refused link left nothing behind; the 400 it drew is the only console error.
    assert all("status of 400" in error for error in errors), errors
