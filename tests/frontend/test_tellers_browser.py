"""The tellers' page and the chair console's ceremony view in Debian's
Chromium, with the real crypto of elgamal.js: three tellers make the poll's
key from their own pages (each on its own browser context), compare the
fingerprint, one backs up its share and restores it in a fresh context,
ballots are cast, the poll closes, and two tellers decrypt the result from
their pages. The chair names the tellers from the console and follows the
ceremony there."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from meetings import services
from meetings.models import Member
from tests.conftest import World, build_world
from tests.frontend.browser import (
    TIMEOUT_MS,
    axe_violations,
    chromium,
    describe_violations,
    in_thread,
    log_in,
    log_in_by_id,
    watch_errors,
)
from tests.servers import daphne_server
from tests.voting.conftest import receipt
from tests.voting.tellers_helpers import phone_ballot
from voting import services as voting_services
from voting.models import Poll, RollEntry

pytestmark = pytest.mark.browser

QUESTION = "Adopt the secret budget"
PHONE: ViewportSize = {"width": 360, "height": 740}
LAPTOP: ViewportSize = {"width": 1280, "height": 720}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))
READY = "The poll's key is ready. Compare the fingerprint aloud; then the chair can open the poll."
FINGERPRINT = re.compile(r"^([0-9a-f]{4} ){7}[0-9a-f]{4}$")


def secret_poll(world: World, *, tellers: list[Member] | None = None) -> Poll:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title=QUESTION, kind="motion", secrecy="secret"
    )
    if tellers:
        voting_services.tellers_appoint(
            actor=world.chair,
            poll=poll,
            participant_ids=[world.participant(m).pk for m in tellers],
            threshold=2,
        )
    return poll


def cast(poll_id: int, votes: dict[int, str]) -> None:
    """Phones' encrypted ballots, made in Python as the phone page would."""
    poll = Poll.objects.get(pk=poll_id)
    for member_id, label in votes.items():
        voter = Member.objects.get(pk=member_id)
        entry = RollEntry.objects.get(poll=poll, member__member=voter)
        nonce = receipt()
        voting_services.encrypted_ballot_cast(
            voter=voter,
            poll_id=poll.pk,
            ballot=phone_ballot(poll, entry, nonce, [label]),
            nonce=nonce,
        )


def close(poll_id: int, chair_id: int) -> None:
    voting_services.poll_close(
        actor=Member.objects.get(pk=chair_id), poll=Poll.objects.get(pk=poll_id)
    )


def assert_standard_qr(page: Page, text: str) -> None:
    """The page's QR library (uqr) makes the same symbol as Python's qrcode
    for the backup code, with the mask fixed: a standard QR any reader reads."""
    import qrcode

    made = page.evaluate(
        """async (text) => {
          const { encode } = await import(document.getElementById("backup-qr").dataset.module);
          const qr = encode(text, { ecc: "M", border: 0, maskPattern: 2 });
          return { version: qr.version, data: qr.data };
        }""",
        text,
    )
    reference = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=2
    )
    reference.add_data(text)
    reference.make(fit=True)
    assert made["version"] == reference.version
    assert made["data"] == reference.get_matrix()


def teller_page(browser: Browser, base: str, username: str, errors: list[str]) -> Page:
    """A teller's phone: log in, open the meeting page, follow its link."""
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    watch_errors(page, errors)
    log_in(page, base, username)
    return page


def open_tellers_page(page: Page, base: str, meeting_id: int) -> None:
    page.goto(f"{base}/meetings/{meeting_id}/")
    page.get_by_role("link", name=f"Tellers' page: {QUESTION}").click()
    expect(page.get_by_role("heading", name=f"Teller: {QUESTION}", level=1)).to_be_visible()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"tellers-{name}.png"), full_page=True)


def test_three_tellers_make_the_key_back_up_restore_and_decrypt(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=3, items=1)
    tellers = [world.clerk, world.voters[0], world.voters[1]]
    poll = secret_poll(world, tellers=tellers)
    outsider = world.voters[2].username
    votes = {world.voters[0].pk: "Yes", world.voters[1].pk: "Yes", world.voters[2].pk: "No"}
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS * 2)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        # A member who is not a teller sees no link, and the page refuses them.
        other = browser.new_context(viewport=PHONE).new_page()  # its 404 is expected
        log_in(other, base, outsider)
        other.goto(f"{base}/meetings/{world.meeting.pk}/")
        expect(other.get_by_role("heading", name=world.meeting.title, level=1)).to_be_visible()
        expect(other.get_by_role("link", name=re.compile("Tellers' page"))).to_have_count(0)
        refused = other.goto(f"{base}/meetings/{world.meeting.pk}/polls/{poll.pk}/tellers/")
        assert refused is not None and refused.status == 404

        pages = []
        for member in tellers:
            page = teller_page(browser, base, member.username, errors)
            open_tellers_page(page, base, world.meeting.pk)
            pages.append(page)
        for page in pages:
            expect(page.locator("#ceremony-status")).to_have_text(READY)
        fingerprints = [p.locator("#fingerprint").inner_text().split() for p in pages]
        assert all(f == fingerprints[0] for f in fingerprints), fingerprints
        assert FINGERPRINT.match(" ".join(fingerprints[0]))
        first = pages[0]
        expect(first.get_by_role("list", name="Tellers")).to_contain_text("Ready")
        expect(first.get_by_text("Read these digits aloud")).to_be_visible()
        # Nothing secret reached the server's idea of the page: the URL is clean.
        assert first.url.endswith(f"/meetings/{world.meeting.pk}/polls/{poll.pk}/tellers/")
        stored = first.evaluate(
            f"() => JSON.parse(localStorage.getItem('uvote:teller:{poll.pk}:1'))"
        )
        assert set(stored) >= {"share", "published"} and "coefficients" not in stored
        violations = axe_violations(first)
        assert not violations, describe_violations("tellers page", violations)
        shot(first, "ready-en-360")

        # Teller 3 backs up its share with the proposed passphrase.
        third = pages[2]
        backup = third.get_by_role("region", name="Back up your key share")
        passphrase = backup.get_by_label("Passphrase").input_value()
        assert re.fullmatch(r"([a-z2-9]{4}-){5}[a-z2-9]{4}", passphrase), passphrase
        backup.get_by_role("button", name="Make the backup code").click()
        code_box = third.locator("#backup-code")
        expect(code_box).to_be_visible()
        code = "-".join(code_box.inner_text().split())
        assert re.fullmatch(r"([A-Z2-7]{4}-){26}[A-Z2-7]{2}", code), code
        expect(backup.get_by_role("button", name="Print the backup code")).to_be_visible()
        qr = backup.get_by_role("img", name="QR code of the backup code")
        expect(qr).to_be_visible()
        assert qr.locator("path").get_attribute("d")
        assert_standard_qr(third, code.replace("-", ""))
        shot(third, "backup-en-360")
        third.context.close()

        # The poll opens under the key; the phones vote; the chair closes it.
        in_thread(
            lambda: voting_services.poll_open(
                actor=Member.objects.get(pk=world.chair.pk), poll=Poll.objects.get(pk=poll.pk)
            )
        )
        expect(first.locator("#ceremony-status")).to_have_text(
            "The poll is open. Come back when it closes to decrypt the result."
        )
        in_thread(cast, poll.pk, votes)
        in_thread(close, poll.pk, world.chair.pk)
        expect(first.locator("#ceremony-status")).to_have_text(
            "Voting has ended: the result waits for the tellers to decrypt it."
        )
        expect(first.locator("#decrypt-status")).to_have_text(
            "0 of the 2 tellers needed have decrypted."
        )

        # Teller 3 on a new device: the share is missing until restored.
        fresh = teller_page(browser, base, tellers[2].username, errors)
        open_tellers_page(fresh, base, world.meeting.pk)
        restore = fresh.get_by_role("region", name="Restore your key share")
        expect(restore).to_be_visible()
        expect(fresh.get_by_role("button", name="Decrypt")).to_be_disabled()
        restore.get_by_label("Backup code").fill(code)
        restore.get_by_label("Passphrase").fill("not-the-passphrase-at-all")
        restore.get_by_role("button", name="Restore my key share").click()
        expect(fresh.get_by_role("alert")).to_contain_text(
            "backup: wrong passphrase, or the code is for another poll or teller"
        )
        restore.get_by_label("Passphrase").fill(passphrase)
        restore.get_by_role("button", name="Restore my key share").click()
        expect(restore).to_be_hidden()
        expect(fresh.get_by_role("button", name="Decrypt")).to_be_enabled()

        # Two of the three decrypt; the result appears on both pages.
        first.get_by_role("button", name="Decrypt").click()
        expect(fresh.locator("#decrypt-status")).to_contain_text(
            "1 of the 2 tellers needed have decrypted."
        )
        expect(first.locator("#decrypt-status")).to_contain_text("You have decrypted your part.")
        fresh.get_by_role("button", name="Decrypt").click()
        for page in (first, fresh):
            expect(page.get_by_role("region", name="Result")).to_contain_text("Carried")
        shot(fresh, "result-en-360")

    assert not errors, "\n".join(errors)
    poll.refresh_from_db()
    assert poll.state == Poll.State.CLOSED
    assert poll.result is not None and poll.result["carried"] is True


def publish_all(poll_id: int, members: list[int], steps: str) -> None:
    """Tellers' messages from Python players (the tellers' pages' part), up to
    `steps`: "publish", "shares" or "confirm"."""
    from tests.voting.tellers_helpers import TellerPlayer
    from voting.services import tellers as teller_services

    poll = Poll.objects.get(pk=poll_id)
    people = [Member.objects.get(pk=pk) for pk in members]
    players = [TellerPlayer(poll_id, i, 2, m) for i, m in enumerate(people, start=1)]
    for p in players:
        teller_services.teller_publish(actor=p.member, poll=poll, **p.publish())
    if steps == "publish":
        return
    ceremony = teller_services.ceremony_payload(poll)
    for p in players:
        teller_services.teller_shares_send(actor=p.member, poll=poll, shares=p.shares(ceremony))
    if steps == "shares":
        return
    for p in players:
        mine = teller_services.teller_shares_get(actor=p.member, poll=poll)
        teller_services.teller_confirm(actor=p.member, poll=poll, proof=p.confirm(mine))


def test_the_chair_names_tellers_and_follows_the_ceremony(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=3, items=1)
    poll = secret_poll(world)
    tellers = [world.clerk, world.voters[0], world.voters[1]]
    names = [m.full_name for m in tellers]
    third = str(world.participant(tellers[2]).pk)
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS * 2)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport=LAPTOP).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, world.chair.username)
        chair.goto(f"{base}/meetings/{world.meeting.pk}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        card = chair.get_by_role("article", name=QUESTION)
        card.get_by_text("Encrypt the ballots: name tellers").click()
        # Two tellers are too few: the server's sentence is shown.
        card.get_by_label("Teller 1", exact=True).select_option(label=names[0])
        card.get_by_label("Teller 2", exact=True).select_option(label=names[1])
        card.get_by_role("button", name=f"Name the tellers: {QUESTION}").click()
        expect(card.get_by_role("alert")).to_have_text("Name between 3 and 5 tellers.")
        card.get_by_label("Teller 3", exact=True).select_option(label=names[2])
        expect(card.get_by_role("alert")).to_have_text("")
        card.get_by_label("Tellers needed to decrypt").fill("2")
        SHOTS.mkdir(parents=True, exist_ok=True)
        card.screenshot(path=str(SHOTS / "tellers-console-form-en-1280.png"))
        card.get_by_role("button", name=f"Name the tellers: {QUESTION}").click()
        status = card.get_by_role("region", name="Tellers and the poll's key")
        expect(status.get_by_role("status")).to_have_text(
            "2 of 3 tellers must decrypt. The poll opens once every teller is ready."
        )
        rows = status.get_by_role("list", name=f"Tellers: {QUESTION}").get_by_role("listitem")
        expect(rows).to_have_text([f"{n} · Waiting for the key" for n in names])

        # Opening waits for the key: the server's 409 is shown.
        card.get_by_role("button", name=f"Open: {QUESTION}").click()
        expect(chair.locator("#errors")).to_have_text(
            "The tellers have not finished making the poll's key; it cannot open yet."
        )

        # The tellers progress (their pages' messages): the console follows live.
        in_thread(publish_all, poll.pk, [m.pk for m in tellers], "publish")
        expect(rows).to_have_text([f"{n} · Key published" for n in names])
        expect(status.locator("code.fingerprint")).to_have_text(FINGERPRINT)
        violations = axe_violations(chair)
        assert not violations, describe_violations("chair console", violations)
        shot(chair, "console-en-1280")

        # Naming them again starts the ceremony over.
        card.get_by_text("Name the tellers again").click()
        expect(card.get_by_label("Teller 3", exact=True)).to_have_value(third)
        card.get_by_role("button", name=f"Name the tellers: {QUESTION}").click()
        expect(rows).to_have_text([f"{n} · Waiting for the key" for n in names])
        expect(status.locator("code.fingerprint")).to_have_count(0)

    # The one refusal asked for (two tellers) is the only failed request.
    refused = [e for e in errors if "status of 400" in e]
    assert len(refused) == 1, errors
    assert not [e for e in errors if e not in refused], "\n".join(errors)


class Others:
    """Tellers 2 and 3 played in Python beside the page's teller 1."""

    def __init__(self, poll_id: int, members: list[int]) -> None:
        from tests.voting.tellers_helpers import TellerPlayer

        people = [Member.objects.get(pk=pk) for pk in members]
        self.poll_id = poll_id
        self.players = [TellerPlayer(poll_id, i, 2, m) for i, m in enumerate(people, start=2)]

    def run(self, step: str) -> None:
        from voting.services import tellers as teller_services

        poll = Poll.objects.get(pk=self.poll_id)
        for p in self.players:
            if step == "publish":
                teller_services.teller_publish(actor=p.member, poll=poll, **p.publish())
            elif step == "shares":
                ceremony = teller_services.ceremony_payload(poll)
                shares = p.shares(ceremony)
                teller_services.teller_shares_send(actor=p.member, poll=poll, shares=shares)
            else:
                mine = teller_services.teller_shares_get(actor=p.member, poll=poll)
                teller_services.teller_confirm(actor=p.member, poll=poll, proof=p.confirm(mine))


# Two of the page's words in each language: a teller's step.
STEPS = {
    "en": ("Shares sent", "Ready"),
    "ar": ("أرسل الحصص", "جاهز"),
    "vi": ("Đã gửi các phần", "Sẵn sàng"),
}


@pytest.mark.parametrize("language", ["en", "ar", "vi"])
def test_the_tellers_page_in_each_language(
    transactional_db: None, chromium_path: str, tmp_path: Path, language: str
) -> None:
    world = build_world(voters=3, items=1)
    tellers = [world.voters[0], world.voters[1], world.voters[2]]
    poll = secret_poll(world, tellers=tellers)
    Member.objects.update(preferred_language=language)
    others = Others(poll.pk, [m.pk for m in tellers[1:]])
    others.run("publish")
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS * 2)
    teller_url = f"/meetings/{world.meeting.pk}/polls/{poll.pk}/tellers/"

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        watch_errors(page, errors)
        log_in_by_id(page, base, tellers[0].username)
        page.goto(base + teller_url)
        expect(page.locator("html")).to_have_attribute("lang", language)
        # The page publishes, then sends its shares once every key is known.
        expect(page.locator("#teller-list li")).to_have_count(3)
        expect(page.locator("#teller-list li").first).to_contain_text(STEPS[language][0])
        # The page may be closed and opened again: its secrets stay in this browser.
        page.reload()
        expect(page.locator("#teller-list li").first).to_contain_text(STEPS[language][0])
        in_thread(others.run, "shares")
        expect(page.locator("#teller-list li").first).to_contain_text(STEPS[language][1])
        in_thread(others.run, "confirm")
        expect(page.locator("main")).to_have_attribute("data-teller-state", "draft:ready")
        expect(page.locator("#fingerprint .fingerprint-group")).to_have_count(8)
        violations = axe_violations(page)
        assert not violations, describe_violations(f"tellers page {language}", violations)
        shot(page, f"ready-{language}-360")
        page.locator("#backup-form button[type=submit]").click()
        expect(page.locator("#backup-code .code-group")).to_have_count(27)
        violations = axe_violations(page)
        assert not violations, describe_violations(f"backup {language}", violations)
        page.set_viewport_size(LAPTOP)
        shot(page, f"backup-{language}-1280")
        # Printed: the backup alone, titled, with its code and QR code.
        page.emulate_media(media="print")
        expect(page.locator("#backup-print-title")).to_be_visible()
        expect(page.locator("#ceremony")).to_be_hidden()
        shot(page, f"backup-print-{language}")
        page.emulate_media(media="screen")

        in_thread(
            lambda: voting_services.poll_open(
                actor=Member.objects.get(pk=world.chair.pk), poll=Poll.objects.get(pk=poll.pk)
            )
        )
        in_thread(close, poll.pk, world.chair.pk)
        expect(page.locator("main")).to_have_attribute("data-teller-state", "decrypting:ready")
        page.set_viewport_size(PHONE)
        shot(page, f"decrypting-{language}-360")
        violations = axe_violations(page)
        assert not violations, describe_violations(f"decrypting {language}", violations)

        # The chair's console shows the wait for the tellers.
        chair = browser.new_context(viewport=LAPTOP)
        chair.add_cookies([{"name": "django_language", "value": language, "url": base}])
        console = chair.new_page()
        watch_errors(console, errors)
        log_in_by_id(console, base, world.chair.username)
        console.goto(f"{base}/meetings/{world.meeting.pk}/chair/")
        card = console.locator(f"#chair-poll-{poll.pk}")
        if language == "en":
            expect(card.get_by_role("status")).to_have_text(
                "Waiting for 2 of 3 tellers to decrypt. 0 of the 2 tellers needed have decrypted."
            )
        else:
            waiting = {"ar": "بانتظار", "vi": "Đang chờ"}[language]
            expect(card.get_by_role("status")).to_contain_text(waiting)
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / f"tellers-console-decrypting-{language}-1280.png"))

    assert not errors, "\n".join(errors)


def tampered_shares(others: Others) -> None:
    """Teller 2 sends teller 1 a share whose ciphertext was altered; teller 3 is honest."""
    from voting.services import tellers as teller_services

    poll = Poll.objects.get(pk=others.poll_id)
    ceremony = teller_services.ceremony_payload(poll)
    for p in others.players:
        shares = p.shares(ceremony)
        if p.index == 2:
            bad = shares[0]["ciphertext"]
            shares[0]["ciphertext"] = ("0" if bad[0] != "0" else "1") + bad[1:]
        teller_services.teller_shares_send(actor=p.member, poll=poll, shares=shares)


def test_a_share_that_does_not_open_is_refused_with_the_reason(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=3, items=1)
    tellers = [world.voters[0], world.voters[1], world.voters[2]]
    poll = secret_poll(world, tellers=tellers)
    others = Others(poll.pk, [m.pk for m in tellers[1:]])
    others.run("publish")
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS * 2)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        page = teller_page(browser, base, tellers[0].username, errors)
        open_tellers_page(page, base, world.meeting.pk)
        expect(page.locator("#teller-list li").first).to_contain_text("Shares sent")
        in_thread(tampered_shares, others)
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(
            "A check failed on this device: share from teller 2: "
            "could not be opened with this teller's key"
        )
        expect(alert).to_contain_text(
            "Tell the chair: the ceremony must start again without that teller."
        )
        expect(page.get_by_role("button", name="Try again")).to_be_visible()
        # Nothing was confirmed: the poll has no key.
        expect(page.locator("#teller-list li").first).to_contain_text("Shares sent")
        shot(page, "refused-share-en-360")

    assert not errors, "\n".join(errors)
    poll.refresh_from_db()
    assert not poll.public_key
