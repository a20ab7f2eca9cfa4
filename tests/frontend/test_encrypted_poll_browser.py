"""An encrypted secret poll from the first key share to the verified export,
every step through the pages people use in the room (issue: "Secret ballots
no one can open"): the chair names three tellers from the console, their
phones show the link to the tellers' page at once, they make the poll's key
there, the chair opens the poll, members vote from their phones,
the chair closes it, two of the three tellers decrypt from their pages, the
result reaches the members, the board checks a member's receipt, and the
audit export downloaded from the board passes the stand-alone verifier.

The parts are tested in depth elsewhere (test_tellers_browser.py,
test_encrypted_phone_browser.py, tests/voting/test_verify_encrypted.py);
this test checks that they fit together."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.frontend.test_tellers_browser import (
    LAPTOP,
    PHONE,
    QUESTION,
    READY,
    secret_poll,
)
from tests.servers import daphne_server
from voting import keys, verify
from voting.models import Ballot, Poll

pytestmark = pytest.mark.browser

TRACKER = re.compile(r"^([0-9a-f]{4}-){15}[0-9a-f]{4}$")


def phone(browser: Browser, base: str, username: str, errors: list[str]) -> Page:
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    watch_errors(page, errors)
    log_in(page, base, username)
    return page


def vote(page: Page, base: str, meeting_id: int, poll_id: int, label: str) -> str:
    """Vote from the member's phone page; the receipt code (the tracker) shown."""
    page.goto(f"{base}/meetings/{meeting_id}/")
    ballot = page.locator(f"#ballot-{poll_id}-self")
    expect(ballot).to_contain_text("encrypted on your phone")
    ballot.get_by_role("radio", name=label).check()
    ballot.get_by_role("button", name="Review my vote").click()
    ballot.get_by_role("button", name="Cast my vote").click()
    expect(ballot.get_by_role("heading", name="Your vote was counted")).to_be_visible()
    code = ballot.locator(".receipt-code").inner_text().strip()
    assert TRACKER.match(code), code
    return code


def test_an_encrypted_poll_from_key_to_verified_export(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=4, items=1)
    tellers = [world.clerk, world.voters[0], world.voters[1]]
    poll = secret_poll(world)
    meeting_id = world.meeting.pk
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS * 2)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        # The tellers-to-be have their meeting page open on their phones.
        teller_pages = []
        for member in tellers:
            page = phone(browser, base, member.username, errors)
            page.goto(f"{base}/meetings/{meeting_id}/")
            expect(page.locator("body")).to_have_attribute("data-connection", "open")
            expect(page.get_by_role("link", name=f"Tellers' page: {QUESTION}")).to_have_count(0)
            teller_pages.append(page)

        # The chair names them from the console, 2 of 3 to decrypt.
        chair = browser.new_context(viewport=LAPTOP).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, world.chair.username)
        chair.goto(f"{base}/meetings/{meeting_id}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        card = chair.get_by_role("article", name=QUESTION)
        card.get_by_text("Encrypt the ballots: name tellers").click()
        for number, member in enumerate(tellers, start=1):
            card.get_by_label(f"Teller {number}", exact=True).select_option(label=member.full_name)
        card.get_by_label("Tellers needed to decrypt").fill("2")
        card.get_by_role("button", name=f"Name the tellers: {QUESTION}").click()

        # Their phones get the link without a reload; each makes its part of the key.
        for page in teller_pages:
            page.get_by_role("link", name=f"Tellers' page: {QUESTION}").click()
            expect(page.get_by_role("heading", name=f"Teller: {QUESTION}", level=1)).to_be_visible()
        for page in teller_pages:
            expect(page.locator("#ceremony-status")).to_have_text(READY)
        fingerprints = {p.locator("#fingerprint").inner_text() for p in teller_pages}
        assert len(fingerprints) == 1, fingerprints

        # The console sees every teller ready; the chair opens the poll.
        expect(card).to_contain_text("Ready")
        card.get_by_role("button", name=f"Open: {QUESTION}").click()
        bar_close = chair.get_by_role("button", name=f"Close the vote: {QUESTION}")
        expect(bar_close).to_be_visible()

        # Members vote from their phones: a teller from their own phone, two others.
        receipts = {
            "teller": vote(teller_pages[1].context.new_page(), base, meeting_id, poll.pk, "Yes"),
            "member": vote(
                phone(browser, base, world.voters[2].username, errors),
                base,
                meeting_id,
                poll.pk,
                "Yes",
            ),
        }
        last = phone(browser, base, world.voters[3].username, errors)
        receipts["last"] = vote(last, base, meeting_id, poll.pk, "No")
        assert len(set(receipts.values())) == 3

        # The chair closes; the poll waits for the tellers.
        chair.once("dialog", lambda dialog: dialog.accept())
        bar_close.click()
        expect(last.get_by_text("Waiting for the tellers to decrypt").first).to_be_visible()

        # Two of the three tellers decrypt; the result reaches everyone.
        teller_pages[0].get_by_role("button", name="Decrypt").click()
        expect(teller_pages[0].locator("#decrypt-status")).to_contain_text(
            "1 of the 2 tellers needed have decrypted. You have decrypted your part."
        )
        teller_pages[2].get_by_role("button", name="Decrypt").click()
        for page in teller_pages:
            expect(page.get_by_role("region", name="Result")).to_contain_text("Carried")
        expect(last.get_by_text("Carried").first).to_be_visible()
        expect(chair.locator("#polls .result-sentence")).to_have_count(1)

        # The board checks the member's receipt, and its export verifies.
        last.get_by_role("link", name="Check it on the board").first.click()
        expect(last.locator("#receipt-result")).to_contain_text(
            "Your encrypted ballot is on the board as your phone sent it."
        )
        with last.expect_download() as download:
            last.get_by_role("link", name="Download the audit export (JSON)").first.click()
        export = tmp_path / "export.json"
        download.value.save_as(export)

    assert not errors, "\n".join(errors)
    poll.refresh_from_db()
    assert poll.state == Poll.State.CLOSED
    assert poll.result is not None
    weights = {o["label"]: o["weight"] for o in poll.result["options"]}
    assert (weights["Yes"], weights["No"]) == ("2.0000", "1.0000"), weights
    # Three ballots, none in clear: only ciphertexts under the trackers shown.
    ballots = Ballot.objects.filter(poll=poll)
    assert sorted(b.receipt_code for b in ballots) == sorted(
        code.replace("-", "") for code in receipts.values()
    )
    assert all(b.choices == [] and b.ciphertext for b in ballots)
    assert verify.main([str(export), "--fingerprint", keys.fingerprint()]) == 0
