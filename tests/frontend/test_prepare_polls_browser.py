"""Draft polls on the preparation page in Debian's Chromium: an officer edits
every field of a draft (the fields follow the kind), moves a draft up, and
attaches it to an agenda item; the page passes axe-core in English, Vietnamese and Arabic
at phone and laptop sizes, with screenshots for a person to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from meetings.models import Membership
from tests.conftest import build_world
from tests.factories import MemberFactory, MembershipFactory
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    log_in,
    log_in_by_id,
    watch_errors,
)
from tests.servers import daphne_server
from voting import services
from voting.models import Poll

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "laptop": {"width": 1280, "height": 720},
}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


def titles(page: Page) -> list[str]:
    region = page.get_by_role("region", name="Polls prepared ahead")
    return [t.strip() for t in region.locator(".prepared-poll h3").all_inner_texts()]


def test_an_officer_edits_and_orders_draft_polls_in_the_browser(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=2)
    arabic = MemberFactory.create(full_name="مسؤول", preferred_language="ar")
    MembershipFactory.create(member=arabic, union=world.union, role=Membership.Role.OFFICER)
    vietnamese = MemberFactory.create(full_name="Cán bộ Lê", preferred_language="vi")
    MembershipFactory.create(member=vietnamese, union=world.union, role=Membership.Role.OFFICER)
    for title in ("Adopt the budget?", "Approve the minutes?", "Choose a venue"):
        services.poll_create(actor=world.chair, meeting=world.meeting, title=title, kind="motion")
    url_path = f"/meetings/{world.meeting.pk}/prepare/"
    item = world.items[1]
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_context(viewport=SIZES["laptop"]).new_page()
        watch_errors(page, errors)
        log_in(page, base, world.chair.username)
        page.goto(base + url_path)
        polls = page.get_by_role("region", name="Polls prepared ahead")
        assert titles(page) == ["Adopt the budget?", "Approve the minutes?", "Choose a venue"]

        # Edit the third draft: every field, as an election of two seats.
        third = polls.get_by_role("listitem").filter(has_text="Choose a venue")
        third.get_by_text("Edit the draft").click()
        form = third.get_by_role("form", name="Choose a venue")
        expect(form.get_by_label("Seats")).to_be_hidden()  # a motion has none
        form.get_by_label("Question").fill("Elect two delegates")
        form.get_by_label("Description").fill("For the provincial congress")
        form.get_by_label("Kind").select_option("election")
        expect(form.get_by_label("Seats")).to_be_visible()
        expect(form.get_by_label("Least choices")).to_be_hidden()
        form.get_by_label("Candidates, one per line").fill("Huế\nLan\nMinh")
        form.get_by_label("Seats").fill("2")
        form.get_by_label("Secrecy").select_option("named")
        form.get_by_label("Results while open").select_option("live")
        form.get_by_label("Majority", exact=True).select_option("absolute")
        form.get_by_label("Majority of").select_option("cast")
        form.get_by_label("Tie rule").select_option("chair")
        form.get_by_label("Agenda item").select_option(label=item.title)
        form.get_by_label("Remote members may vote").uncheck()
        form.get_by_label("Close when everyone has voted").check()
        form.get_by_role("button", name="Save the draft").click()
        polls = page.get_by_role("region", name="Polls prepared ahead")
        expect(polls.get_by_role("status")).to_have_text("Draft poll saved: Elect two delegates")
        edited = polls.get_by_role("listitem").filter(has_text="Elect two delegates")
        expect(edited).to_contain_text(f"Agenda item: {item.title}")

        # A refused edit: the form stays open with what was typed and says why.
        edited.get_by_text("Edit the draft").click()
        form = edited.get_by_role("form", name="Elect two delegates")
        form.get_by_label("Seats").fill("5")
        form.get_by_role("button", name="Save the draft").click()
        edited = page.get_by_role("listitem").filter(has_text="Elect two delegates")
        expect(edited.get_by_role("alert")).to_have_text(
            "Seats must be between 1 and the number of candidates."
        )
        expect(edited.get_by_label("Seats")).to_have_value("5")

        # Move it up twice: first in the meeting's order; the first move-up is off.
        headings = page.locator("#prepare-polls .prepared-poll h3")
        page.get_by_role("button", name="Move up: Elect two delegates").click()
        expect(headings).to_have_text(
            ["Adopt the budget?", "Elect two delegates", "Approve the minutes?"]
        )
        page.get_by_role("button", name="Move up: Elect two delegates").click()
        expect(headings).to_have_text(
            ["Elect two delegates", "Adopt the budget?", "Approve the minutes?"]
        )
        expect(page.get_by_role("button", name="Move up: Elect two delegates")).to_be_disabled()
        expect(page.get_by_role("button", name="Move down: Approve the minutes?")).to_be_disabled()

        SHOTS.mkdir(parents=True, exist_ok=True)
        officers = (
            ("en", world.chair.username),
            ("vi", vietnamese.username),
            ("ar", arabic.username),
        )
        for language, login in officers:
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport)
                visitor = context.new_page()
                watch_errors(visitor, errors)
                log_in_by_id(visitor, base, login)
                visitor.goto(base + url_path + "#prepare-polls")
                expect(visitor.locator("html")).to_have_attribute("lang", language)
                visitor.locator(".poll-edit summary").first.click()
                violations = axe_violations(visitor)
                assert not violations, describe_violations(f"{language} {size}", violations)
                width = visitor.evaluate("document.documentElement.scrollWidth")
                assert width <= viewport["width"], (language, size, width)
                visitor.locator("#prepare-polls").screenshot(
                    path=str(SHOTS / f"prepare-polls-{language}-{size}.png")
                )
                visitor.screenshot(
                    path=str(SHOTS / f"prepare-{language}-{size}.png"), full_page=True
                )
                context.close()

    assert errors == [] or all("status of 400" in e for e in errors), errors
    poll = Poll.objects.get(meeting=world.meeting, title="Elect two delegates")
    assert (poll.kind, poll.seats, poll.secrecy, poll.results_visibility) == (
        "election",
        2,
        "named",
        "live",
    )
    assert (poll.majority, poll.base, poll.tie_rule, poll.agenda_item_id) == (
        "absolute",
        "cast",
        "chair",
        item.pk,
    )
    assert (poll.allow_remote, poll.close_when_all_voted, poll.position) == (False, True, 1)
    assert poll.description == "For the provincial congress"
    assert list(poll.options.values_list("label", flat=True)) == ["Huế", "Lan", "Minh", "Abstain"]
    assert re.match(r"^Elect", str(poll))
