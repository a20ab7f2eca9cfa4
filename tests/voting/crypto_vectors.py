"""Deterministic test vectors of the encrypted-ballot protocol.

    python -m tests.voting.crypto_vectors            # rewrite the file
    python -m tests.voting.crypto_vectors --check    # exit 1 if it differs

Every random scalar comes from `deterministic_rng(SEED + "/" + label)`, one
stream per artefact (labels below), so the JavaScript twin reproduces each
artefact on its own, byte for byte (tests/voting/test_crypto_browser.py).
The file holds the secrets as well: it is a test fixture, nothing more.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rbcl import crypto_core_ristretto255_is_valid_point as is_valid_point

from voting.crypto import dkg, elgamal, threshold
from voting.crypto.backup import seal_backup
from voting.crypto.ballots import BallotContext, encrypt_ballot
from voting.crypto.group import base, deterministic_rng, encode_fields, hash_to_scalar, scalar_bytes

PATH = Path(__file__).resolve().parent / "vectors" / "elgamal.json"
SEED = "union-meetings test vectors 1"
POLL = "poll:7"
TELLERS = 3
THRESHOLD = 2
DECRYPTING = [1, 3]
OPTIONS = 4
MIN_MARKS, MAX_MARKS = 1, 2
BALLOTS = [  # (roll entry, marks, weight in units of 0.0001)
    ("roll:101", [1, 0, 0, 0], 10000),
    ("roll:102", [0, 1, 1, 0], 25000),
    ("roll:103", [0, 0, 0, 1], 10000),
    ("roll:104", [1, 0, 1, 0], 0),
    ("roll:105", [1, 1, 0, 0], 12345),
]
# The same options with the last one abstain: abstain alone, and two others.
ABSTAIN = 3
ABSTAIN_BALLOTS = [("roll:201", [0, 0, 0, 1]), ("roll:202", [0, 1, 1, 0])]
# Abstain with an option, proved as if the poll had no abstain: refused.
ABSTAIN_CHEAT = ("roll:203", [1, 0, 0, 1])


# Encodings every decoder must refuse (RFC 9496 appendix A.2's kinds:
# non-canonical field elements, negative ones, non-square x^2); the file
# keeps those libsodium refuses, so the list never depends on a typo here.
BAD_POINTS = [
    "00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20",
    "c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562",
    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
]


# NFKC turns the ligature into "fi"; the Vietnamese letters stay composed.
BACKUP_PASSPHRASE = "Công đoàn cơ sở \ufb01 2026"


def rng(label: str) -> Any:
    return deterministic_rng(f"{SEED}/{label}")


def hex_scalar(k: int) -> str:
    return scalar_bytes(k).hex()


def build() -> dict[str, Any]:
    hash_fields: list[bytes | str | int] = ["option", POLL, 3, bytes(range(32))]
    rng_sample = deterministic_rng(f"{SEED}/sample")
    transport = {
        i: dkg.make_transport_key(POLL, i, rng=rng(f"transport/{i}")) for i in range(1, TELLERS + 1)
    }
    polynomials, commitments, shares = {}, {}, []
    for j in range(1, TELLERS + 1):
        draw = rng(f"polynomial/{j}")
        polynomials[j] = dkg.make_polynomial(THRESHOLD, rng=draw)
        commitments[j] = dkg.commit(POLL, j, polynomials[j], rng=draw)
        for i in range(1, TELLERS + 1):
            shares.append(
                dkg.encrypt_share(
                    POLL,
                    j,
                    transport[i][1],
                    polynomials[j],
                    commitments[j].commitments,
                    rng=rng(f"share/{j}/{i}"),
                )
            )
    all_commitments = list(commitments.values())
    key = dkg.election_key(all_commitments)
    secret = {
        i: dkg.combine_shares([dkg.evaluate(polynomials[j], i) for j in polynomials])
        for i in transport
    }
    tellers = [
        {
            "index": i,
            "transport_secret": hex_scalar(transport[i][0]),
            "transport_key": transport[i][1].to_json(),
            "coefficients": [hex_scalar(a) for a in polynomials[i]],
            "commitments": commitments[i].to_json(),
            "secret_share": hex_scalar(secret[i]),
            "public_share": dkg.public_share(all_commitments, i).hex(),
            "confirmation": dkg.confirm(
                POLL, i, secret[i], key, rng=rng(f"confirmation/{i}")
            ).to_json(),
        }
        for i in transport
    ]
    backup_salt = scalar_bytes(rng("backup/1")())[:16]
    backup_code = seal_backup(POLL, 1, secret[1], BACKUP_PASSPHRASE, salt=backup_salt)
    ballots: list[dict[str, Any]] = []
    for n, (voter, marks, weight) in enumerate(BALLOTS):
        ballot = encrypt_ballot(
            key, marks, MIN_MARKS, MAX_MARKS, BallotContext(POLL, voter), rng=rng(f"ballot/{n}")
        )
        ballots.append(
            {
                "voter": voter,
                "marks": marks,
                "weight": weight,
                "ballot": ballot.to_json(),
                "tracker": ballot.tracker,
                "_parsed": ballot,
            }
        )
    abstaining = [
        {
            "voter": voter,
            "marks": marks,
            "ballot": encrypt_ballot(
                key,
                marks,
                MIN_MARKS,
                MAX_MARKS,
                BallotContext(POLL, voter),
                abstain=ABSTAIN,
                rng=rng(f"abstain/{n}"),
            ).to_json(),
        }
        for n, (voter, marks) in enumerate(ABSTAIN_BALLOTS)
    ]
    cheat_voter, cheat_marks = ABSTAIN_CHEAT
    cheat = encrypt_ballot(
        key, cheat_marks, MIN_MARKS, MAX_MARKS, BallotContext(POLL, cheat_voter), rng=rng("cheat")
    )
    totals = []
    for option in range(OPTIONS):
        product = elgamal.weighted_total(
            (b["weight"], b["_parsed"].ciphertexts[option]) for b in ballots
        )
        label = f"option {option}"
        partials = [
            threshold.partial_decrypt(
                POLL, label, i, secret[i], product, rng=rng(f"partial/{option}/{i}")
            )
            for i in DECRYPTING
        ]
        totals.append(
            {
                "label": label,
                "product": product.to_json(),
                "partials": [p.to_json() for p in partials],
                "combined": threshold.combine(product, partials).hex(),
                "total": sum(b["weight"] * b["marks"][option] for b in ballots),
            }
        )
    for b in ballots:
        del b["_parsed"]
    return {
        "about": "Test vectors of docs/encrypted-ballots.md (tests/voting/crypto_vectors.py).",
        "seed": SEED,
        "rng_sample": [hex_scalar(rng_sample()) for _ in range(3)],
        "hash": {
            "domain": "values",
            "fields": ["option", POLL, 3, bytes(range(32)).hex()],
            "encoded": encode_fields(hash_fields).hex(),
            "scalar": hex_scalar(hash_to_scalar("values", hash_fields)),
        },
        "points": {str(k): base(k).hex() for k in (0, 1, 2, 10000, 123456789)},
        "bad_points": [p for p in BAD_POINTS if not is_valid_point(bytes.fromhex(p))],
        "poll": POLL,
        "tellers": TELLERS,
        "threshold": THRESHOLD,
        "options": OPTIONS,
        "min_marks": MIN_MARKS,
        "max_marks": MAX_MARKS,
        "teller_keys": tellers,
        "shares": [s.to_json() for s in shares],
        "backup": {
            "index": 1,
            "passphrase": BACKUP_PASSPHRASE,
            "salt": backup_salt.hex(),
            "code": backup_code,
        },
        "election_key": key.hex(),
        "ceremony_fingerprint": dkg.ceremony_fingerprint(
            POLL, THRESHOLD, [t[1] for t in transport.values()], all_commitments
        ),
        "ballots": ballots,
        "abstain": ABSTAIN,
        "abstain_ballots": abstaining,
        "abstain_cheat": {"voter": cheat_voter, "marks": cheat_marks, "ballot": cheat.to_json()},
        "decrypting": DECRYPTING,
        "totals": totals,
    }


def render() -> str:
    return json.dumps(build(), indent=1) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if PATH.read_text() == text else 1
    PATH.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
