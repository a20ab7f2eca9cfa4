"""The bulletin board in Debian's Chromium: a member votes on the phone, keeps
the receipt (QR code and a saved file), and after the close checks it on the
board page, where the proof and the signatures are verified with WebCrypto."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from playwright.sync_api import expect

from meetings import services
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, in_thread, log_in, watch_errors
from tests.servers import daphne_server
from tests.voting.conftest import option_id, receipt
from voting import keys
from voting import services as voting_services

pytestmark = pytest.mark.browser

QUESTION = "Adopt the budget"

# Values whose RFC 8785 encoding the page's canonicaliser must reproduce.
CANONICAL_SAMPLES: list[Any] = [
    {"poll": 12, "receipt": "ABCDEFGHIJKLMNOP", "choices": [3, 1], "weight": "2.5000"},
    {"voter": "7", "weight": "1.0000", "choices": [], "receipt": "Z2Z2Z2Z2Z2", "poll": 1},
    {"b": [1, [2, {"d": None, "c": True}]], "a": False, "": "empty key"},
    {"sentence": 'Chosen: Đà Nẵng; فاطمة 2.5 — "quoted" \\ back\n\ttab\u0001'},
    {"é": 1, "e": 2, "z": 3, "€": 4, "\U0001f600": 5, "A": 6},
    [0, -1, 9007199254740991, 1e21, 0.5, -0.0],
]


def test_member_keeps_a_receipt_and_checks_it_on_the_board(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    # Everything in the database first: Playwright's loop then owns this thread.
    world = build_world(voters=2, items=1)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=QUESTION, kind="motion", secrecy="secret"
    )
    poll = voting_services.poll_open(actor=world.chair, poll=poll)
    other_code = voting_services.ballot_cast(
        voter=world.voters[1],
        poll_id=poll.pk,
        choices=[option_id(poll, "No")],
        nonce=receipt(),
    ).receipt_code
    token = services.projector_link_create(actor=world.chair, meeting=meeting)
    chair_login, voter_login = world.chair.username, world.voters[0].username
    public_key, key_fingerprint = keys.public_key_b64(), keys.fingerprint()
    yes_id = option_id(poll, "Yes")
    expected_canonical = [rfc8785.dumps(v).decode() for v in CANONICAL_SAMPLES]
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        # The member votes on the phone and gets a receipt with a QR code.
        phone_context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, accept_downloads=True
        )
        phone = phone_context.new_page()
        watch_errors(phone, errors)
        log_in(phone, base, voter_login)
        phone.goto(f"{base}/meetings/{meeting.pk}/")
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        phone.get_by_role("group", name="Your vote").get_by_role("radio", name="Yes").check()
        phone.get_by_role("button", name="Review my vote").click()
        phone.get_by_role("button", name="Cast my vote").click()
        expect(phone.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        code = phone.locator(".receipt-code").inner_text().strip().replace("-", "")
        qr = phone.get_by_role(
            "img", name="QR code of the link to your entry on the bulletin board"
        )
        expect(qr).to_be_visible()
        assert qr.evaluate("img => img.naturalWidth > 0")
        expect(
            phone.get_by_text("The board shows this poll once voting has closed.")
        ).to_be_visible()

        # "Save receipt": a text file with the receipt itself, signature included.
        with phone.expect_download() as download_info:
            phone.get_by_role("button", name="Save receipt").click()
        saved = Path(download_info.value.path()).read_text(encoding="utf-8")
        assert download_info.value.suggested_filename == f"receipt-poll-{poll.pk}-{code}.txt"
        fields = dict(line.split(": ", 1) for line in saved.splitlines() if ": " in line)
        assert fields["Receipt code"].replace("-", "") == code
        assert fields["Choices"] == "Yes"
        assert fields["Weight"] == "1"
        assert fields["Poll"] == f"{QUESTION} ({poll.pk})"
        assert fields["Meeting"] == f"{meeting.title} ({meeting.pk})"
        board_link = fields["Bulletin board"]
        assert board_link == f"{base}/meetings/{meeting.pk}/board/#poll={poll.pk}&receipt={code}"
        entry = json.loads(fields["Signed entry (RFC 8785 JSON)"])
        assert fields["Signed entry (RFC 8785 JSON)"] == rfc8785.dumps(entry).decode()
        # A secret ballot is signed without its weight (audit format 3): a
        # published signature would confirm a guessed weight.
        assert entry == {"poll": poll.pk, "receipt": code, "choices": [yes_id]}
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(fields["Signature (Ed25519, base64)"]), rfc8785.dumps(entry))

        # The projector shows the installation key's fingerprint, small.
        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")
        expect(projector.locator("#audit-key-fingerprint")).to_have_text(key_fingerprint)
        expect(projector.locator("#head-fingerprint")).to_have_count(0)

        # The chair closes the poll (through the API, from a logged-in page).
        chair = browser.new_context().new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        status = chair.evaluate(
            """async (url) => {
              const token = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
              const response = await fetch(url, { method: "POST", headers: {
                "X-CSRFToken": decodeURIComponent(token.split("=")[1]) } });
              return response.status;
            }""",
            f"/api/polls/{poll.pk}/close/",
        )
        assert status == 200
        expect(phone.locator(".result-sentence")).to_be_visible()
        # The projector shows the closed poll's record fingerprint with the result.
        head = projector.locator("#head-fingerprint")
        expect(head).to_have_text(re.compile(r"^[0-9a-f]{4}( [0-9a-f]{4}){3}$"))
        projected = head.inner_text()

        # The receipt's link opens the board and checks it at once.
        phone.get_by_role("link", name="Check it on the board").click()
        expect(phone).to_have_url(board_link)
        result = phone.get_by_role("status").filter(has_text="ballot")
        expect(result).to_contain_text("Your ballot is on the board as cast: \u2068Yes\u2069.")
        expect(result).to_contain_text("The board's root matches the signed record")
        expect(result).to_contain_text(
            f"The record and your receipt are signed by the installation key {key_fingerprint}"
        )
        expect(result).to_contain_text("These are the choices your phone recorded when you voted.")
        fingerprint = phone.locator(".head-fingerprint").first.inner_text()
        assert fingerprint == projected  # what the room saw is what the board signs
        expect(result).to_contain_text(fingerprint)
        expect(phone.locator("#key-fingerprint")).to_have_text(key_fingerprint)
        # Two ballots of weight 1: fewer than three, so no entry shows its weight.
        weights = phone.locator(".board-entries tbody td.number")
        expect(weights).to_have_text(["other", "other"])
        expect(phone.locator(".weight-classes")).to_contain_text("“Other”: 2 ballots weighing 2")

        # The page's checker on a proof whose entry was given another weight
        # class: the leaf no longer leads to the root, the signature still
        # covers the ballot (it never covered the class).
        altered = phone.evaluate(
            """async ([pollId, code]) => {
              const m = await import("/static/frontend/board-verify.js");
              const { csrfToken } = await import("/static/frontend/api.js");
              const data = JSON.parse(document.getElementById("board-data").textContent);
              const poll = data.polls.find((p) => p.id === pollId);
              const field = document.querySelector("input[name=csrfmiddlewaretoken]");
              const response = await fetch(`/api/polls/${pollId}/proof/`, {
                method: "POST",
                credentials: "same-origin",
                headers: {
                  "Content-Type": "application/json",
                  "X-CSRFToken": csrfToken(field ? field.value : ""),
                },
                body: JSON.stringify({ receipt: code }),
              });
              const proof = await response.json();
              const genuine = await m.checkProof(proof, poll.tree_head, data.key.public_key);
              proof.entry = { ...proof.entry, class: "1.0000" };
              const moved = await m.checkProof(proof, poll.tree_head, data.key.public_key);
              return { genuine, moved, entry: proof.entry };
            }""",
            [poll.pk, code],
        )
        assert altered["genuine"] == {
            "included": True,
            "rootMatches": True,
            "headSigned": True,
            "entrySigned": True,
            "leafMatches": True,
        }
        assert altered["moved"]["rootMatches"] is False
        assert altered["moved"]["leafMatches"] is False
        assert altered["moved"]["entrySigned"] is True

        # Another member's receipt, pasted with dashes and in lower case.
        dashed = "-".join(other_code[i : i + 4] for i in range(0, len(other_code), 4)).lower()
        phone.get_by_label("Receipt code").fill(dashed)
        phone.get_by_role("button", name="Check my receipt").click()
        expect(result).to_contain_text("Your ballot is on the board as cast: \u2068No\u2069.")

        # A receipt that is not on the board.
        phone.get_by_label("Receipt code").fill("AAAA-BBBB-CCCC-DDDD")
        phone.get_by_role("button", name="Check my receipt").click()
        expect(phone.get_by_role("status").filter(has_text="NOT on the board")).to_be_visible()

        # The page's canonical JSON and hashing agree with rfc8785 and hashlib.
        checks = phone.evaluate(
            """async (samples) => {
              const m = await import("/static/frontend/board-verify.js");
              const lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000];
              const plain = lengths.map((n) => m.toHex(m.sha256Plain(new Uint8Array(n).fill(97))));
              const subtle = [];
              for (const n of lengths) {
                subtle.push(m.toHex(await m.sha256(new Uint8Array(n).fill(97))));
              }
              return { canonical: samples.map(m.canonicalJson), plain, subtle };
            }""",
            CANONICAL_SAMPLES,
        )
        assert checks["canonical"] == expected_canonical
        hashes = [
            hashlib.sha256(b"a" * n).hexdigest() for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000)
        ]
        assert checks["plain"] == hashes == checks["subtle"]
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # Chromium logs the one refused request: the proof of the unknown receipt.
    unexpected = [e for e in errors if "/board/" not in e or "status of 404" not in e]
    assert unexpected == []
    assert len(errors) == 1
    # No receipt or projector token in the server's access log: proofs are
    # POSTed, the board reads the receipt from the fragment, and the one
    # request that carried the projector token (its link) is masked.
    [log] = tmp_path.glob("daphne-*.log")
    text = log.read_text()
    assert "POST /api/polls/" in text and "GET /projector/[masked]/" in text
    for secret in (code, other_code, token):
        assert secret not in text


def _close_two_polls(world: Any) -> list[Any]:
    """Two secret motions of the meeting, each with one ballot, closed and sealed."""
    polls = []
    for title in ("Adopt the minutes", "Adopt the budget"):
        poll = voting_services.poll_create(
            actor=world.chair, meeting=world.meeting, title=title, kind="motion", secrecy="secret"
        )
        poll = voting_services.poll_open(actor=world.chair, poll=poll)
        voting_services.ballot_cast(
            voter=world.voters[1],
            poll_id=poll.pk,
            choices=[option_id(poll, "Yes")],
            nonce=receipt(),
        )
        polls.append(voting_services.poll_close(actor=world.chair, poll=poll))
    return polls


def _cut_last_seal(poll_id: int) -> None:
    """What a server that cuts the end of the record does: the last sealed
    poll disappears from the board. Run off Playwright's event loop."""
    from django.db import connection

    from voting.models import PollSeal

    try:
        PollSeal.objects.filter(poll_id=poll_id).delete()
    finally:
        connection.close()


def test_a_phone_remembers_the_heads_and_the_board_notices_a_cut_tail(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=1)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    first, last = _close_two_polls(world)
    hashes = [p.seal.head_hash for p in (first, last)]
    last_fingerprint = " ".join(hashes[1][i : i + 4] for i in range(0, 16, 4))
    voter_login = world.voters[0].username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
        page = phone.new_page()
        watch_errors(page, errors)
        log_in(page, base, voter_login)
        # The meeting page remembers each closed poll's record fingerprint.
        page.goto(f"{base}/meetings/{meeting.pk}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        kept = page.evaluate(f"JSON.parse(localStorage.getItem('uvote:heads:{meeting.pk}'))")
        assert [(k["head"], k["poll"]) for k in kept] == [
            (hashes[0][:16], first.pk),
            (hashes[1][:16], last.pk),
        ]

        # The board holds both: it says so, and remembers the full head hashes.
        page.goto(f"{base}/meetings/{meeting.pk}/board/")
        check = page.locator("#chain-check")
        expect(check).to_have_text("This board extends every record this device saw before (2).")
        expect(page.get_by_role("alert")).to_have_count(0)
        kept = page.evaluate(f"JSON.parse(localStorage.getItem('uvote:heads:{meeting.pk}'))")
        assert [k["head"] for k in kept] == hashes

        # A device that saw nothing before has nothing to compare: no claim.
        fresh = browser.new_context().new_page()
        watch_errors(fresh, errors)
        log_in(fresh, base, world.chair.username)

        # The server cuts the last sealed poll off the record.
        in_thread(_cut_last_seal, last.pk)

        fresh.goto(f"{base}/meetings/{meeting.pk}/board/")
        expect(fresh.locator("#board-poll-" + str(first.pk))).to_be_visible()
        expect(fresh.locator("#board-poll-" + str(last.pk))).to_have_count(0)
        expect(fresh.locator("#chain-check")).to_be_empty()

        # This phone saw the cut poll's head: the board says the end may be cut.
        page.reload()
        expect(page.locator("#board-poll-" + str(last.pk))).to_have_count(0)
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(
            f"this board does not contain the record {last_fingerprint} that this device saw"
            " for “Adopt the budget”"
        )
        expect(alert).to_contain_text("The end of the meeting's record may have been cut.")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []
