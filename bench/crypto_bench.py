"""Micro-benchmark of the encrypted-ballot core (voting/crypto/, issue 21).

    .venv/bin/python -m bench.crypto_bench                 # Python only
    .venv/bin/python -m bench.crypto_bench --browser       # and the phone's side in Chromium
    .venv/bin/python -m bench.crypto_bench --ballots 1000 --options 5 --repeat 20

Times, on one core: checking one ballot's proofs, the weighted homomorphic
tally of N ballots (all of one weight, and all of different weights),
partial decryptions with their proofs, checking them, Lagrange combination
and baby-step giant-step of every option's total. With --browser, the
phone's encryption and proofs of one ballot in Chromium (elgamal.js), with
the CPU unthrottled and throttled 6x (DevTools CPU throttling). Prints a
Markdown table; docs/benchmarks.md records the runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from voting.crypto import dkg, elgamal, threshold
from voting.crypto.backup import seal_backup
from voting.crypto.ballots import BallotContext, EncryptedBallot, encrypt_ballot, verify_ballot
from voting.crypto.group import base

POLL = "poll:bench"
WEIGHT = 10_000  # one vote, in units of 0.0001


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def keys(n: int, k: int) -> tuple[bytes, dict[int, int], dict[int, bytes]]:
    polynomials = {j: dkg.make_polynomial(k) for j in range(1, n + 1)}
    commitments = [dkg.commit(POLL, j, p) for j, p in polynomials.items()]
    secret = {
        i: dkg.combine_shares([dkg.evaluate(p, i) for p in polynomials.values()])
        for i in polynomials
    }
    return (
        dkg.election_key(commitments),
        secret,
        {i: dkg.public_share(commitments, i) for i in polynomials},
    )


def python_rows(n_ballots: int, n_options: int, repeat: int) -> list[tuple[str, float]]:
    key, secret, public = keys(3, 2)
    rows: list[tuple[str, float]] = []
    seconds, _ = timed(lambda: seal_backup(POLL, 1, 12345, "a passphrase"), max(1, repeat // 5))
    rows.append(("seal a teller's share backup (scrypt 2^15)", seconds))
    context = BallotContext(POLL, "roll:1")
    choices = [1] + [0] * (n_options - 1)
    seconds, ballot = timed(lambda: encrypt_ballot(key, choices, 1, 1, context), repeat)
    rows.append((f"encrypt one ballot with proofs ({n_options} options, server side)", seconds))
    wire = ballot.to_json()
    seconds, _ = timed(
        lambda: verify_ballot(key, EncryptedBallot.from_json(wire), n_options, 1, 1, context),
        repeat,
    )
    rows.append((f"parse and verify one ballot's proofs ({n_options} options)", seconds))

    # Ciphertexts only (their proofs do not change the tally's cost).
    cast = [
        [elgamal.encrypt(key, int(o == b % n_options))[0] for o in range(n_options)]
        for b in range(n_ballots)
    ]

    def tally(weights: list[int]) -> list[elgamal.Ciphertext]:
        return [
            elgamal.weighted_total(zip(weights, (b[o] for b in cast), strict=True))
            for o in range(n_options)
        ]

    same = [WEIGHT] * n_ballots
    different = [WEIGHT + i for i in range(n_ballots)]
    seconds, products = timed(lambda: tally(same), max(1, repeat // 5))
    rows.append((f"tally of {n_ballots:,} ballots x {n_options} options, one weight", seconds))
    seconds, _ = timed(lambda: tally(different), max(1, repeat // 5))
    rows.append(
        (f"tally of {n_ballots:,} ballots x {n_options} options, all weights different", seconds)
    )

    labels = [f"option {o}" for o in range(n_options)]

    def partials() -> list[list[threshold.PartialDecryption]]:
        return [
            [threshold.partial_decrypt(POLL, labels[o], i, secret[i], products[o]) for i in (1, 3)]
            for o in range(n_options)
        ]

    seconds, made = timed(partials, repeat)
    rows.append((f"2 tellers' partial decryptions with proofs, {n_options} totals", seconds))

    def check() -> None:
        for o in range(n_options):
            for p in made[o]:
                threshold.verify_partial(POLL, labels[o], public[p.index], products[o], p)

    seconds, _ = timed(check, repeat)
    rows.append((f"verify those {2 * n_options} partial decryptions", seconds))

    bound = WEIGHT * n_ballots
    seconds, solver = timed(lambda: threshold.DiscreteLog(bound), max(1, repeat // 5))
    rows.append((f"baby-step table for totals up to {bound:,} ({solver.step:,} points)", seconds))

    def decrypt() -> list[int]:
        return [threshold.decrypt_total(products[o], made[o], solver) for o in range(n_options)]

    seconds, totals = timed(decrypt, max(1, repeat // 5))
    expected = [
        WEIGHT * sum(1 for b in range(n_ballots) if b % n_options == o) for o in range(n_options)
    ]
    assert totals == expected, (totals, expected)
    rows.append((f"combine k partials and find all {n_options} totals", seconds))

    big = threshold.DiscreteLog(10**8)
    seconds, _ = timed(lambda: big.solve(base(10**8 - 1)), max(1, repeat // 5))
    rows.append(("worst-case search of one total up to 10^8 (table built)", seconds))
    return rows


BROWSER_SCRIPT = """
async ([key, n, repeat]) => {
  const E = await import('/static/frontend/elgamal.js');
  const choices = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : 0));
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    E.encryptBallot(key, choices, 1, 1, { poll: "poll:bench", voter: "roll:1" });
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] / 1000;
}
"""


BACKUP_SCRIPT = """
async () => {
  const E = await import('/static/frontend/elgamal.js');
  const start = performance.now();
  const code = await E.sealBackup("poll:bench", 1, 12345n, "a passphrase");
  const middle = performance.now();
  await E.openBackup(code, "poll:bench", 1, "a passphrase");
  return [(middle - start) / 1000, (performance.now() - middle) / 1000];
}
"""


def browser_rows(n_options: int, repeat: int) -> list[tuple[str, float]]:
    from playwright.sync_api import sync_playwright

    from tests.frontend.browser import CHROMIUM_ARGS
    from tests.voting.test_crypto_browser import ORIGIN, serve

    key, _, _ = keys(3, 2)
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        session = page.context.new_cdp_session(page)
        for rate in (1, 6):
            session.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            seconds = page.evaluate(BROWSER_SCRIPT, [key.hex(), n_options, repeat])
            rows.append(
                (f"phone: encrypt and prove one ballot ({n_options} options), CPU x{rate}", seconds)
            )
            seal, restore = page.evaluate(BACKUP_SCRIPT)
            rows.append((f"teller: seal a share backup (scrypt 2^15), CPU x{rate}", seal))
            rows.append((f"teller: restore it, CPU x{rate}", restore))
        browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="also time elgamal.js in Chromium")
    args = parser.parse_args()
    rows = python_rows(args.ballots, args.options, args.repeat)
    if args.browser:
        import os

        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        django.setup()  # the static finders serve the page's modules
        rows += browser_rows(args.options, max(3, args.repeat // 4))
    print("| operation | median |")
    print("|---|---|")
    for name, seconds in rows:
        shown = f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
        print(f"| {name} | {shown} |")


if __name__ == "__main__":
    main()
