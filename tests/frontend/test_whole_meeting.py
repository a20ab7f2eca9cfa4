"""A whole meeting in Debian's Chromium, every person in a browser context of
their own: the chair on a laptop, the projector, a clerk at the door, three
members on phones (English, Arabic, Vietnamese) and a remote member.

Check-in by badge (the clerk opens the member's badge URL) and by the room QR
code (the members open the URL the projector shows), the agenda advancing on
every screen, a document page the phones follow, a secret poll and a named
poll voted on the phones, the receipts checked on the bulletin board, and the
results CSV downloaded from the console.

The test also saves screenshots of the main pages into $SCREENSHOTS_DIR
(`make screenshots` sets docs/screenshots; by default a temporary folder).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils.translation import gettext, override
from django.utils.translation.trans_real import DjangoTranslation
from fpdf import FPDF
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect

from documents import services as document_services
from meetings.models import Participant
from tests.conftest import build_world
from tests.documents.conftest import pdf_upload
from tests.factories import PASSWORD
from tests.frontend.browser import chromium, log_in, watch_errors
from tests.servers import daphne_server
from voting import services as voting_services

pytestmark = pytest.mark.browser

TIMEOUT_MS = 20_000  # eight browser contexts share two cores with the server
RECEIPT = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$")
MEETING = "Annual congress 2025"
ITEMS = ["Opening and agenda", "Budget 2025", "Venue of the next congress"]
DOCUMENT = "Draft budget 2025"
SECRET = "Adopt the budget 2025"
NAMED = "Venue of the next congress"
VENUES = ["Huế", "Đà Nẵng"]
STREAM = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
# The embedded player's address; the test answers it with a stand-in page
# (no network here, and a screenshot should show a player, not an error).
PLAYER = re.compile(r"^https://www\.youtube-nocookie\.com/embed/")
PLAYER_STAND_IN = """<!doctype html><html><body style="margin:0;height:100vh;display:grid;
place-items:center;background:#1d2b3a;color:#fff;font:600 28px system-ui">
&#9654; Live: Annual congress 2025</body></html>"""
# Laptop, projector and phones (CSS pixels, as the devices report them).
LAPTOP = ViewportSize(width=1280, height=800)
PROJECTOR = ViewportSize(width=1920, height=1080)
PHONES = {
    "en": ViewportSize(width=390, height=844),
    "ar": ViewportSize(width=360, height=740),
    "vi": ViewportSize(width=412, height=915),
}
# The strings the Arabic and Vietnamese pages show, from the same catalogues
# the server uses (django: templates; djangojs: the page scripts).
BOARD_LINK = "Bulletin board: check your receipts and the records of closed polls"
PAGE_STRINGS = [
    "Username",
    "Password",
    "Log in",
    "Open the meeting",
    "Check my receipt",
    BOARD_LINK,
]
SCRIPT_STRINGS = [
    "Your vote",
    "Review my vote",
    "Cast my vote",
    "Your vote was counted",
    "Check it on the board",
    "Following the presenter",
    "Yes",
    "No",
]


def budget_pdf() -> bytes:
    """Three A4 pages that look like a union's draft budget."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)  # the footer sits in the bottom margin
    pages = [
        ("Draft budget 2025", ["Presented by the treasurer to the annual congress."]),
        (
            "Income and spending",
            [
                "Member dues ................ 1,240,000,000 VND",
                "Federation grant ............. 310,000,000 VND",
                "Training courses ............. 420,000,000 VND",
                "Legal aid for members ........ 380,000,000 VND",
                "Strike and hardship fund ..... 250,000,000 VND",
                "Office and staff ............. 410,000,000 VND",
            ],
        ),
        ("Notes", ["The hardship fund grows by 10% on last year."]),
    ]
    for number, (heading, lines) in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("helvetica", style="B", size=32)
        pdf.cell(text=heading)
        pdf.ln(20)
        pdf.set_font("courier", size=15)
        for line in lines:
            pdf.cell(text=line)
            pdf.ln(11)
        pdf.set_y(-20)
        pdf.set_font("helvetica", size=10)
        pdf.cell(text=f"Page {number} of {len(pages)}")
    return bytes(pdf.output())


def translations(language: str) -> dict[str, str]:
    """English text -> the text a page in `language` shows."""
    scripts = DjangoTranslation(language, domain="djangojs")
    with override(language):
        words = {text: gettext(text) for text in PAGE_STRINGS}
    words.update({text: scripts.gettext(text) for text in SCRIPT_STRINGS})
    return words


def phone_context(browser_new_context: Callable[..., BrowserContext], lang: str) -> BrowserContext:
    return browser_new_context(
        viewport=PHONES[lang],
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        accept_downloads=True,
    )


def vote(page: Page, poll_id: int, choice: str, words: dict[str, str]) -> str:
    """Vote on the phone in the page's language; return the receipt code shown."""
    box = page.locator(f"#ballot-{poll_id}-self")
    ballot = box.get_by_role("group", name=words["Your vote"])
    ballot.get_by_role("radio", name=choice, exact=True).check()
    box.get_by_role("button", name=words["Review my vote"]).click()
    box.get_by_role("button", name=words["Cast my vote"]).click()
    expect(box.get_by_role("heading", name=words["Your vote was counted"])).to_be_visible()
    code = box.locator(".receipt-code").inner_text().strip()
    assert RECEIPT.match(code), code
    return code


def test_a_whole_meeting(transactional_db: None, chromium_path: str, tmp_path: Path) -> None:
    # --- Every row in the database before Playwright starts (its loop owns this thread).
    world = build_world(voters=4, items=3)
    meeting = world.meeting
    meeting.title = MEETING
    meeting.requires_presence = True  # only members checked in (room or remote) may vote
    meeting.livestream_url = STREAM
    meeting.save(update_fields=["title", "requires_presence", "livestream_url"])
    world.union.name = "Garment Workers' Union of Hanoi"
    world.union.save(update_fields=["name"])
    for item, title in zip(world.items, ITEMS, strict=True):
        item.title = title
        item.save(update_fields=["title"])
    # Preferred languages: B picks Arabic with the switcher on her phone (it
    # becomes her preference); C's preference is Vietnamese already.
    people = {
        "en": ("Lê Văn An", "en"),
        "ar": ("فاطمة حداد", "en"),
        "vi": ("Trần Thị Cúc", "vi"),
        "remote": ("Rania Okafor", "en"),
    }
    members = dict(zip(people, world.voters, strict=True))
    for key, member in members.items():
        member.full_name, member.preferred_language = people[key]
        member.save(update_fields=["full_name", "preferred_language"])
    # A delegate of two: weights show up in the turnout and the CSV.
    Participant.objects.filter(meeting=meeting, member=members["vi"]).update(vote_weight=Decimal(2))
    document_services.document_upload(
        actor=world.chair,
        meeting=meeting,
        upload=pdf_upload(budget_pdf(), name="budget-2025.pdf"),
        title=DOCUMENT,
        agenda_item_id=world.items[1].pk,
    )
    secret = voting_services.poll_create(
        actor=world.chair,
        meeting=meeting,
        title=SECRET,
        kind="motion",
        secrecy="secret",
        agenda_item_id=world.items[1].pk,
    )
    meeting_id, secret_id = meeting.pk, secret.pk
    logins = {key: member.username for key, member in members.items()}
    names = {key: member.full_name for key, member in members.items()}
    chair_login, clerk_login = world.chair.username, world.clerk.username
    words = {"en": translations("en"), "ar": translations("ar"), "vi": translations("vi")}
    shots = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    def shot(page: Page, name: str) -> None:
        # One image pixel per CSS pixel keeps the files small.
        page.screenshot(
            path=shots / f"{name}.png", animations="disabled", caret="hide", scale="css"
        )

    def scroll_to(page: Page, selector: str) -> None:
        page.locator(selector).first.evaluate("(node) => node.scrollIntoView({block: 'start'})")

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):

        def new_page(context: BrowserContext) -> Page:
            page = context.new_page()
            watch_errors(page, errors)
            return page

        # --- The chair, on a laptop: the console, a projector link, remote participation on.
        chair = new_page(browser.new_context(viewport=LAPTOP, accept_downloads=True))
        log_in(chair, base, chair_login)
        chair.get_by_role("link", name=MEETING).click()
        chair.get_by_role("link", name="Open the chair console").click()
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        attendance = chair.get_by_role("region", name="Attendance")
        counts = {
            key: attendance.locator(f'[data-count="{key}"]') for key in ("room", "remote", "absent")
        }
        expect(counts["absent"]).to_have_text("5")  # the chair and four members
        attendance.get_by_label("Remote participation").check()
        expect(attendance.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
        chair.get_by_role("button", name="Create projector link").click()
        projector_link = chair.get_by_role("region", name="Projector").get_by_role("link")
        expect(projector_link).to_be_visible()
        projector_url = projector_link.get_attribute("href")
        assert projector_url is not None and projector_url.startswith(base)

        # --- The projector: no login; it shows the rotating room QR code.
        projector = new_page(browser.new_context(viewport=PROJECTOR))
        projector.goto(projector_url)
        expect(projector.locator("#connection")).to_have_text("Connected")
        room_code = projector.get_by_role("region", name="Check in: scan with your phone")
        expect(room_code.get_by_role("img", name="QR code to check in to the room")).to_be_visible()
        expect(room_code).to_have_attribute(
            "data-checkin-url", re.compile(rf"^{re.escape(base)}/checkin/room/{meeting_id}/")
        )
        projector_now = projector.locator("#current-title")
        expect(projector_now).to_have_text("The meeting has not started yet.")

        def room_qr_url() -> str:
            """What a phone's camera reads from the projector's QR code now."""
            url = room_code.get_attribute("data-checkin-url")
            assert url is not None
            return url

        # --- The clerk at the door, on a phone.
        clerk = new_page(phone_context(browser.new_context, "en"))
        log_in(clerk, base, clerk_login)
        clerk.goto(f"{base}/meetings/{meeting_id}/clerk/")
        expect(clerk.locator("body")).to_have_attribute("data-connection", "open")

        # --- Member A (English) shows their badge; the clerk's phone opens its QR code.
        member_a = new_page(phone_context(browser.new_context, "en"))
        log_in(member_a, base, logins["en"])
        member_a.get_by_role("link", name=MEETING).click()
        expect(member_a.locator("body")).to_have_attribute("data-connection", "open")
        expect(member_a.locator("#my-presence")).to_have_text("Your presence: Absent.")
        # The badge in a second tab: the meeting page stays open and learns of
        # the check-in by itself (me.changed), with no reload.
        badge_tab = new_page(member_a.context)
        badge_tab.goto(member_a.get_by_role("link", name="My badge").evaluate("a => a.href"))
        badge = badge_tab.locator("figure.badge-card")
        expect(badge.locator("svg")).to_be_visible()
        badge_url = badge.get_attribute("data-badge-url")
        assert badge_url is not None and badge_url.startswith(f"{base}/checkin/badge/")
        clerk.goto(badge_url)  # as the camera would: the page checks in at once
        expect(clerk.get_by_role("heading", name="Checked in", level=1)).to_be_visible()
        expect(clerk.locator("#checkin-result")).to_contain_text(f"{names['en']} checked in")
        clerk.get_by_role("link", name="Back to the door page").click()
        expect(clerk.locator("body")).to_have_attribute("data-connection", "open")
        expect(clerk.locator("#recent")).to_contain_text(names["en"])
        expect(counts["room"]).to_have_text("1")
        shot(clerk, "clerk-door-check-in")
        expect(member_a.locator("#my-presence")).to_have_text("Your presence: Present in the room.")
        badge_tab.close()

        # --- Member B (Arabic, a small phone): logs in, switches the language, scans the room QR.
        ar = words["ar"]
        member_b = new_page(phone_context(browser.new_context, "ar"))
        log_in(member_b, base, logins["ar"])
        member_b.get_by_label("Language").select_option("ar")
        member_b.get_by_role("button", name="Change language").click()
        expect(member_b.locator("html")).to_have_attribute("lang", "ar")
        expect(member_b.locator("html")).to_have_attribute("dir", "rtl")
        member_b.goto(room_qr_url())
        expect(member_b.locator("#checkin-result.checkin-ok")).to_contain_text(names["ar"])
        member_b.get_by_role("link", name=ar["Open the meeting"]).click()
        expect(member_b.locator("body")).to_have_attribute("data-connection", "open")
        expect(counts["room"]).to_have_text("2")

        # --- Member C (Vietnamese phone): scans the room QR before logging in; the check-in
        # --- happens right after the login.
        vi = words["vi"]
        member_c = new_page(
            browser.new_context(
                viewport=PHONES["vi"],
                is_mobile=True,
                has_touch=True,
                device_scale_factor=2,
                locale="vi-VN",  # Accept-Language: vi
            )
        )
        member_c.goto(room_qr_url())
        expect(member_c).to_have_url(re.compile(r"/login/\?next="))
        expect(member_c.locator("html")).to_have_attribute("lang", "vi")
        member_c.get_by_label(vi["Username"]).fill(logins["vi"])
        member_c.get_by_label(vi["Password"]).fill(PASSWORD)
        member_c.get_by_role("button", name=vi["Log in"], exact=True).click()
        expect(member_c.locator("#checkin-result.checkin-ok")).to_contain_text(names["vi"])
        member_c.get_by_role("link", name=vi["Open the meeting"]).click()
        expect(member_c.locator("body")).to_have_attribute("data-connection", "open")
        expect(counts["room"]).to_have_text("3")

        # --- The remote member watches the livestream from home and confirms their presence.
        remote_context = browser.new_context(viewport=LAPTOP)
        remote_context.route(
            PLAYER, lambda route: route.fulfill(content_type="text/html", body=PLAYER_STAND_IN)
        )
        remote = new_page(remote_context)
        log_in(remote, base, logins["remote"])
        remote.get_by_role("link", name=MEETING).click()
        remote.get_by_role("link", name="Watch the livestream").click()
        expect(remote).to_have_url(f"{base}/meetings/{meeting_id}/live/")
        expect(remote.locator("body")).to_have_attribute("data-connection", "open")
        expect(remote.get_by_title(f"Livestream of {MEETING}")).to_be_visible()
        remote.get_by_role("button", name="I am following remotely: confirm my presence").click()
        expect(remote.locator("#my-presence")).to_have_text("Your presence: Present remotely.")
        expect(counts["remote"]).to_have_text("1")
        expect(counts["room"]).to_have_text("3")
        expect(counts["absent"]).to_have_text("1")  # the chair, who stays at the console
        expect(projector.locator("#projector-attendance")).to_have_text(
            "In the room: 3 · Remote: 1 · Absent: 1"
        )

        # --- The chair starts the meeting and moves on: every screen follows.
        screens = {"en": member_a, "ar": member_b, "vi": member_c, "remote": remote}
        chair.get_by_role("button", name="Start meeting").click()
        for page in [projector, *screens.values()]:
            expect(page.locator("#current-title")).to_have_text(ITEMS[0])
        chair.get_by_role("button", name="Next", exact=True).click()
        expect(chair.locator("#current-title")).to_have_text(ITEMS[1])
        for page in [projector, *screens.values()]:
            expect(page.locator("#current-title")).to_have_text(ITEMS[1])
        expect(projector.locator("#next-title")).to_have_text(ITEMS[2])
        shot(member_a, "member-phone-en")
        shot(member_b, "member-phone-ar")

        # --- The chair shows page 2 of the budget; the projector and the phones follow.
        chair.get_by_role("button", name=f"Present: {DOCUMENT}").click()
        presenting = chair.locator("#presenting-status")
        expect(presenting).to_have_text(f"Showing {DOCUMENT}, page 1 of 3")
        chair.get_by_role("button", name="Next page").click()
        expect(presenting).to_have_text(f"Showing {DOCUMENT}, page 2 of 3")
        expect(projector.locator("#projector-page")).to_have_attribute(
            "src", re.compile(r"/pages/2/image/projector/$")
        )
        for key in ("en", "ar", "vi"):
            page = screens[key]
            expect(page.locator("#page-image")).to_have_attribute(
                "src", re.compile(r"/pages/2/image/phone/$")
            )
            expect(page.locator("#follow-status")).to_have_text(
                words[key]["Following the presenter"]
            )
        member_a.wait_for_function(
            "() => { const i = document.querySelector('#page-image');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        scroll_to(member_a, "#documents")
        shot(member_a, "documents-phone")
        projector.wait_for_function(
            "() => { const i = document.querySelector('#projector-page');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        shot(projector, "projector-document")
        chair.get_by_role("button", name="Stop showing").click()
        expect(projector.locator("#projector-document")).to_be_hidden()

        # --- The secret poll: the chair opens it, everyone votes on their own screen.
        polls = chair.get_by_role("region", name="Polls", exact=True)
        polls.get_by_role("button", name=f"Open: {SECRET}").click()
        expect(polls.get_by_role("button", name=f"Close: {SECRET}")).to_be_visible()
        expect(projector.get_by_role("heading", name=SECRET)).to_be_visible()
        for page in screens.values():
            expect(page.locator(f"#ballot-{secret_id}-self")).to_be_visible()
        scroll_to(member_b, "#voting")
        shot(member_b, "ballot-phone-ar")
        shot(remote, "livestream")
        secret_codes = {
            "en": vote(member_a, secret_id, words["en"]["Yes"], words["en"]),
            "ar": vote(member_b, secret_id, ar["Yes"], ar),
            "vi": vote(member_c, secret_id, vi["No"], vi),
            "remote": vote(remote, secret_id, words["en"]["Yes"], words["en"]),
        }
        scroll_to(member_a, f"#ballot-{secret_id}-self")
        shot(member_a, "receipt-phone")
        turnout = projector.locator(".turnout-text")
        expect(turnout).to_have_text("4 of 4 voted, weight 5 of 5")
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        polls.get_by_role("button", name=f"Close: {SECRET}").click()
        sentence = projector.locator(".result-sentence")
        expect(sentence).to_contain_text("Carried")
        expect(projector.get_by_role("table", name=f"Votes on: {SECRET}")).to_contain_text("Yes")
        shot(projector, "projector-results")
        expect(member_a.locator(".result-sentence")).to_have_text(sentence.inner_text())

        # --- The named poll: the chair writes it in the console, opens it, everyone votes.
        create = polls.locator("details.create-poll")
        if create.get_attribute("open") is None:
            create.locator("summary").click()
        create.get_by_label("Question").fill(NAMED)
        create.get_by_label("Kind").select_option("single")
        create.get_by_label("Options, one per line").fill("\n".join(VENUES))
        create.get_by_label("Secrecy").select_option("named")
        create.get_by_role("button", name="Create poll").click()
        expect(create.get_by_role("status")).to_have_text(f"Poll created: {NAMED}")
        polls.get_by_role("button", name=f"Open: {NAMED}").click()
        expect(polls.get_by_role("button", name=f"Close: {NAMED}")).to_be_visible()
        named_card = member_a.locator("article.poll-card.is-open")
        expect(named_card.get_by_role("heading", name=NAMED)).to_be_visible()
        named_id = int(named_card.get_attribute("data-poll-id") or 0)
        named_codes = {
            "en": vote(member_a, named_id, VENUES[0], words["en"]),
            "ar": vote(member_b, named_id, VENUES[1], ar),
            "vi": vote(member_c, named_id, VENUES[0], vi),
            "remote": vote(remote, named_id, VENUES[0], words["en"]),
        }
        expect(turnout).to_have_text("4 of 4 voted, weight 5 of 5")
        # The console's paper-ballot list catches up with the phones' votes by itself.
        expect(polls.locator(".paper-panel")).to_contain_text("0 on the roll have not voted yet.")
        chair.evaluate("window.scrollTo(0, 0)")
        shot(chair, "chair-console")
        scroll_to(chair, "#polls-panel")
        shot(chair, "chair-polls")
        chair.once("dialog", lambda dialog: dialog.accept())  # "Close the poll now?"
        polls.get_by_role("button", name=f"Close: {NAMED}").click()
        expect(sentence).to_contain_text(VENUES[0])
        expect(projector.get_by_role("table", name=f"Votes on: {NAMED}")).to_contain_text(VENUES[1])
        for page in screens.values():
            expect(page.locator(f'article.poll-card[data-poll-id="{named_id}"]')).to_have_class(
                re.compile(r"\bis-closed\b")
            )

        # --- Each member checks their receipts on the bulletin board, in their language.
        def check_on_board(
            page: Page, lang: str, poll_id: int, code: str, choice: str, name: str = ""
        ) -> None:
            """Follow the receipt's link to the board, which checks it at once."""
            # Earlier results are folded on the phone: unfold this one first.
            folded = page.locator(f"details:not([open]):has(#ballot-{poll_id}-self) > summary")
            if folded.count():
                folded.first.click()
            link = page.locator(f"#ballot-{poll_id}-self").get_by_role(
                "link", name=words[lang]["Check it on the board"]
            )
            link.click()
            expect(page).to_have_url(re.compile(rf"/meetings/{meeting_id}/board/#poll={poll_id}"))
            result = page.locator("#receipt-result")
            expect(result).to_have_class(re.compile(r"\bis-ok\b"))
            expect(result).to_contain_text(choice)
            assert page.locator("#receipt-code").input_value() == code.replace("-", "")
            if name:
                scroll_to(page, ".receipt-checker")
                shot(page, name)
            page.go_back()
            expect(page.locator("body")).to_have_attribute("data-connection", "open")

        check_on_board(member_a, "en", secret_id, secret_codes["en"], "Yes")
        check_on_board(member_a, "en", named_id, named_codes["en"], VENUES[0])
        check_on_board(member_c, "vi", secret_id, secret_codes["vi"], vi["No"])  # in her language
        check_on_board(remote, "en", named_id, named_codes["remote"], VENUES[0], "board")
        # B types the receipt codes into the board's form instead (as from a note).
        member_b.get_by_role("link", name=ar[BOARD_LINK]).click()
        for poll_id, code, choice in (
            (secret_id, secret_codes["ar"], ar["Yes"]),
            (named_id, named_codes["ar"], VENUES[1]),
        ):
            member_b.locator("#receipt-poll").select_option(str(poll_id))
            member_b.locator("#receipt-code").fill(code.lower())
            member_b.get_by_role("button", name=ar["Check my receipt"]).click()
            result = member_b.locator("#receipt-result")
            expect(result).to_have_class(re.compile(r"\bis-ok\b"))
            expect(result).to_contain_text(choice)
        shot(member_b, "board-phone-ar")
        # The named poll's entries name their voters; the secret poll's do not.
        named_entries = member_b.locator(f"#board-poll-{named_id} .board-entries")
        secret_entries = member_b.locator(f"#board-poll-{secret_id} .board-entries")
        for key in names:
            expect(named_entries).to_contain_text(names[key])
            expect(secret_entries).not_to_contain_text(names[key])
        expect(secret_entries).to_contain_text(secret_codes["ar"].replace("-", ""))

        # --- The chair downloads the results as CSV.
        with chair.expect_download() as download_info:
            polls.get_by_role("link", name="Download all results (CSV)").click()
        download = download_info.value
        assert download.suggested_filename == f"meeting-{meeting_id}-results.csv"
        csv_text = Path(download.path()).read_text(encoding="utf-8-sig")

        # Arabic and Vietnamese pages really are in their languages.
        for key, page in (("ar", member_b), ("vi", member_c)):
            assert page.evaluate("document.documentElement.lang") == key
        assert member_b.evaluate("document.documentElement.scrollWidth") <= PHONES["ar"]["width"]
        assert member_c.evaluate("document.documentElement.scrollWidth") <= PHONES["vi"]["width"]

    records = list(csv.DictReader(io.StringIO(csv_text, newline="")))
    table = {
        (r["Question"], r["Option"]): (r["Ballots"], r["Weight"], r["Chosen"]) for r in records
    }
    assert table == {
        (SECRET, "Yes"): ("3", "3", "yes"),
        (SECRET, "No"): ("1", "2", ""),
        (SECRET, "Abstain"): ("0", "0", ""),
        (NAMED, VENUES[0]): ("3", "4", "yes"),
        (NAMED, VENUES[1]): ("1", "1", ""),
        (NAMED, "Abstain"): ("0", "0", ""),
    }
    assert {r["State"] for r in records} == {"Closed"}
    assert {r["Total ballots"] for r in records} == {"4"}
    # Translated pages: the phones' buttons were found by their Arabic and
    # Vietnamese names, which differ from the English ones.
    for language in ("ar", "vi"):
        for text in ("Review my vote", "Cast my vote", "Log in"):
            assert words[language][text] != text, (language, text)
    assert errors == []
