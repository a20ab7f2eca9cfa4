"""The officer pages in Debian's Chromium: an officer creates a meeting, checks
then imports a CSV of members, builds the roster from the union with a filter,
and registers a proxy, without the admin. axe-core finds nothing on the union
office and the preparation page in English and Arabic; screenshots at 360x740
and 1280x720 for a person to look at."""

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

pytestmark = pytest.mark.browser

SIZES: dict[str, ViewportSize] = {
    "phone": {"width": 360, "height": 740},
    "laptop": {"width": 1280, "height": 720},
}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
GOOD_CSV = "member_number,full_name\nD-100,Phạm Văn Đông\nD-101,Hoàng Thị Lan\n"
BAD_CSV = "member_number,full_name,weight\nD-200,,1\n"


def check(page: Page, where: str, width: int) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(where, violations)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where


def test_an_officer_prepares_a_meeting_in_the_browser(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=1)
    union_id, officer = world.union.pk, world.chair.username
    arabic = MemberFactory.create(full_name="مسؤول", preferred_language="ar")
    MembershipFactory.create(member=arabic, union=world.union, role=Membership.Role.OFFICER)
    voters = [v.full_name for v in world.voters]
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(GOOD_CSV)
    bad.write_text(BAD_CSV)
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_context(viewport=SIZES["laptop"]).new_page()
        watch_errors(page, errors)
        log_in(page, base, officer)
        page.get_by_role("link", name=re.compile("^Prepare meetings and members of")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(world.union.name)

        # The CSV: a bad file is refused row by row, a good one checked, then imported.
        imports = page.get_by_role("region", name="Import members")
        imports.get_by_label("CSV file").set_input_files(str(bad))
        imports.get_by_role("button", name="Check or import").click()
        imports = page.get_by_role("region", name="Import members")
        expect(imports.get_by_role("table", name="Problems in the file")).to_contain_text("2")
        imports.get_by_label("CSV file").set_input_files(str(good))
        imports.get_by_role("button", name="Check or import").click()
        expect(page.get_by_role("status")).to_contain_text("2 members would be imported")
        imports = page.get_by_role("region", name="Import members")
        imports.get_by_label("CSV file").set_input_files(str(good))
        imports.get_by_label("Only check the file (import nothing)").uncheck()
        imports.get_by_role("button", name="Check or import").click()
        expect(page.get_by_role("status")).to_contain_text("2 new members imported.")

        # A new meeting: the officer lands on its preparation page.
        create = page.get_by_role("region", name="Create a meeting")
        create.get_by_label("Title").fill("Extraordinary congress")
        create.get_by_label("Starts at").fill("2027-03-01T09:30")
        create.get_by_label("Place").fill("Hall C")
        create.get_by_role("button", name="Create the meeting").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Extraordinary congress")
        prepare_url = page.url

        roster = page.get_by_role("region", name="Roster")
        roster.get_by_label("Filter by name or number").fill("d-10")
        candidates = roster.get_by_role("group", name="Members not on the roster")
        expect(candidates.get_by_role("checkbox", name=re.compile(voters[0]))).to_be_hidden()
        candidates.get_by_role("checkbox", name="Phạm Văn Đông (D-100)").check()
        candidates.get_by_role("checkbox", name="Hoàng Thị Lan (D-101)").check()
        roster.get_by_role("button", name="Add to the roster").click()
        expect(page.get_by_role("status")).to_have_text("2 members added to the roster.")

        proxies = page.get_by_role("region", name="Proxies")
        proxies.get_by_label("Member giving the proxy").select_option(label="Hoàng Thị Lan")
        proxies.get_by_label("Member voting for them").select_option(label="Phạm Văn Đông")
        proxies.get_by_role("button", name="Register the proxy").click()
        expect(page.get_by_role("status")).to_contain_text("Proxy registered")
        proxies = page.get_by_role("region", name="Proxies")
        expect(proxies).to_contain_text("Hoàng Thị Lan votes through Phạm Văn Đông")

        for language, login in (("en", officer), ("ar", arabic.username)):
            for size, viewport in SIZES.items():
                context = browser.new_context(viewport=viewport)
                visitor = context.new_page()
                watch_errors(visitor, errors)
                log_in_by_id(visitor, base, login)
                for name, url in (
                    ("office", f"{base}/unions/{union_id}/office/"),
                    ("prepare", prepare_url),
                ):
                    visitor.goto(url)
                    expect(visitor.locator("html")).to_have_attribute("lang", language)
                    check(visitor, f"{name} {language} {size}", viewport["width"])
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    visitor.screenshot(
                        path=str(SHOTS / f"officer-{name}-{language}-{size}.png"), full_page=True
                    )
                context.close()

    # The bad CSV's page answers 400, which Chromium logs; nothing else may go wrong.
    refused = [e for e in errors if "/office/" in e and "status of 400" in e]
    assert len(refused) == 1 and [e for e in errors if e not in refused] == []
