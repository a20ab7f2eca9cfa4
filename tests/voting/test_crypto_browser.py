"""The phone's and tellers' JavaScript (frontend/static/frontend/elgamal.js)
against the Python core, in Chromium: it reproduces the fixed vectors byte
for byte from their seeds, accepts them, refuses tampered ones with the
Python messages, and what it makes with real randomness verifies in Python
(and the other way round).

The page is served by Playwright from the files Django's static finders
resolve (the real STATICFILES_DIRS), on a plain-HTTP origin without
crypto.subtle, as in a hall."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from playwright.sync_api import Page, Route

from config.csp import HEADER, policy
from frontend.importmap import IMPORT_MAP, IMPORT_MAP_CSP_SOURCE
from tests.frontend.browser import chromium
from tests.voting import crypto_vectors
from voting.crypto import dkg, threshold
from voting.crypto.backup import open_backup
from voting.crypto.ballots import BallotContext, EncryptedBallot, encrypt_ballot, verify_ballot
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import CryptoError, base, decode_point, decode_scalar

pytestmark = pytest.mark.browser

ORIGIN = "http://ballots.test"
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ballots</title>
<script type="importmap">{IMPORT_MAP}</script></head><body></body></html>"""


def serve(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        # The site's policy, with the import map allowed by its hash only.
        headers = {HEADER: policy({"script-src": [IMPORT_MAP_CSP_SOURCE]})}
        route.fulfill(status=200, content_type="text/html", body=PAGE, headers=headers)
        return
    found = finders.find(path.removeprefix("/static/")) if path.startswith("/static/") else None
    if not found:
        route.fulfill(status=404, body="not found")
        return
    kind = (
        "text/javascript"
        if found.endswith(".js")
        else mimetypes.guess_type(found)[0] or "text/plain"
    )
    route.fulfill(status=200, content_type=kind, body=Path(found).read_bytes())


@pytest.fixture
def page(chromium_path: str) -> Iterator[Page]:
    with chromium(chromium_path) as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        page.evaluate("async () => { window.E = await import('/static/frontend/elgamal.js'); }")
        yield page
        assert not errors


VECTORS = json.loads(crypto_vectors.PATH.read_text())
HARNESS = (Path(__file__).parent / "crypto_harness.js").read_text()


def run(page: Page, name: str, arg: Any) -> Any:
    """Call one function of crypto_harness.js in the page."""
    return page.evaluate(f"(arg) => ({HARNESS}).{name}(arg)", arg)


def test_the_javascript_reproduces_the_vectors_byte_for_byte(page: Page) -> None:
    out = run(page, "reproduce", VECTORS)
    assert out["rng_sample"] == VECTORS["rng_sample"]
    assert out["hash"] == {
        "encoded": VECTORS["hash"]["encoded"],
        "scalar": VECTORS["hash"]["scalar"],
    }
    assert out["election_key"] == VECTORS["election_key"]
    assert out["ceremony_fingerprint"] == VECTORS["ceremony_fingerprint"]
    assert out["teller_keys"] == VECTORS["teller_keys"]
    assert out["shares"] == VECTORS["shares"]
    assert out["ballots"] == VECTORS["ballots"]
    assert out["abstain_ballots"] == VECTORS["abstain_ballots"]
    assert out["abstain_cheat"] == VECTORS["abstain_cheat"]
    assert out["totals"] == [t["partials"] for t in VECTORS["totals"]]


def test_the_javascript_accepts_the_vectors_and_refuses_tampering(page: Page) -> None:
    v = VECTORS
    result = run(page, "accept", v)
    opened: dict[int, list[int]] = {}
    for share, value in zip(v["shares"], result["ok"], strict=True):
        opened.setdefault(share["recipient"], []).append(decode_scalar(value))
    for teller in v["teller_keys"]:  # each teller's x_i from the shares the JavaScript opened
        assert dkg.combine_shares(opened[teller["index"]]) == decode_scalar(teller["secret_share"])
    assert result["bad_points"] == ["CryptoError: p: not a valid ristretto255 encoding"] * len(
        v["bad_points"]
    )
    refused = result["refused"]
    assert (
        refused["replayed"]
        == "CryptoError: option 0: the proof that it encrypts 0 or 1 does not hold"
    )
    assert (
        refused["tampered"]
        == "CryptoError: option 2: the proof that it encrypts 0 or 1 does not hold"
    )
    assert refused["too_many"] == (
        "CryptoError: ballot: the proof that between 1 and 1 options are marked does not hold"
    )
    # Abstain with an option, and a proof made for another abstain index.
    python_refusals = []
    for ballot, voter in [
        (v["abstain_cheat"]["ballot"], v["abstain_cheat"]["voter"]),
        (v["abstain_ballots"][0]["ballot"], v["abstain_ballots"][0]["voter"]),
    ]:
        with pytest.raises(CryptoError) as caught:
            verify_ballot(
                bytes.fromhex(v["election_key"]),
                EncryptedBallot.from_json(ballot),
                v["options"],
                v["min_marks"],
                v["max_marks"],
                BallotContext(v["poll"], voter),
                v["abstain"] if voter == v["abstain_cheat"]["voter"] else 0,
            )
        python_refusals.append(f"CryptoError: {caught.value}")
    message = (
        "CryptoError: ballot: the proof that between 1 and 2 options, or abstain alone, "
        "are marked does not hold"
    )
    assert [refused["abstain_with_option"], refused["abstain_unbound"]] == python_refusals
    assert python_refusals == [message, message]
    assert refused["invalid_point"] == "CryptoError: option 0.a: not a valid ristretto255 encoding"
    assert refused["partial"] == (
        "CryptoError: teller 1: the proof of correct decryption of option 0 does not hold"
    )
    assert refused["share_wrong_key"] == (
        "CryptoError: share from teller 2: could not be opened with this teller's key"
    )
    # Other commitments in the associated data: the share does not even open.
    assert refused["share_mismatch"].startswith("CryptoError: share from teller 2: ")


def test_the_backup_code_is_the_same_on_both_sides(page: Page) -> None:
    v = VECTORS
    b = v["backup"]
    teller = next(t for t in v["teller_keys"] if t["index"] == b["index"])
    out = run(page, "backup", v)
    assert out["sealed"] == b["code"]
    assert out["opened"] == teller["secret_share"]
    assert out["wrong"] == "backup: wrong passphrase, or the code is for another poll or teller"
    assert out["mismatch"] == "backup: the share does not match this teller's public share"
    assert out["garbage"] == "backup: not a backup code"
    # A code the page made with its own salt opens in Python.
    assert open_backup(out["fresh"], v["poll"], b["index"], "another") == decode_scalar(
        teller["secret_share"]
    )
    assert out["seconds"] < 10


def test_what_one_side_makes_verifies_on_the_other(page: Page) -> None:
    v = VECTORS
    poll, key = v["poll"], decode_point(v["election_key"])
    secret, transport = dkg.make_transport_key(poll, 1)
    python_ballot = encrypt_ballot(key, [1, 0, 0, 1], 1, 2, BallotContext(poll, "roll:py"))
    product = Ciphertext.from_json(v["totals"][0]["product"])
    teller = v["teller_keys"][0]
    out: dict[str, Any] = run(
        page,
        "fresh",
        [
            v["election_key"],
            poll,
            v["threshold"],
            transport.to_json(),
            product.to_json(),
            teller["secret_share"],
            python_ballot.to_json(),
        ],
    )
    ballot = EncryptedBallot.from_json(out["ballot"])
    verify_ballot(key, ballot, 4, 1, 2, BallotContext(poll, "roll:js"))
    with pytest.raises(CryptoError, match="option 0: the proof"):
        verify_ballot(key, ballot, 4, 1, 2, BallotContext(poll, "roll:py"))
    dkg.verify_transport_key(poll, dkg.TransportKey.from_json(out["transport"]))
    commitments = dkg.Commitments.from_json(out["commitments"])
    dkg.verify_commitments(poll, v["threshold"], commitments)
    opened = dkg.decrypt_share(
        poll, dkg.EncryptedShare.from_json(out["share"]), secret, commitments
    )
    assert opened == decode_scalar(out["shareValue"])
    partial = threshold.PartialDecryption.from_json(out["partial"])
    threshold.verify_partial(
        poll, "option 0", decode_point(teller["public_share"]), product, partial
    )
    assert partial.value != base(1)
