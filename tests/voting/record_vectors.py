"""A deterministic encrypted poll's record (docs/audit-format.md section 11):
the `encrypted` part of a format 4 export, with the weight classes and the
entries' class labels it is checked against.

    python -m tests.voting.record_vectors            # rewrite the file
    python -m tests.voting.record_vectors --check    # exit 1 if it differs

A secret motion (Yes, No, Abstain: one mark) of poll 7, six ballots of
weights 1, 1, 1, 1, 2.5 and 0.75, three tellers with k = 2, decrypted by
tellers 1 and 3. Weight 1 is a shown class of three ballots; 2.5, 0.75 and
one ballot of weight 1 are "other". Every random scalar comes from
`deterministic_rng(SEED + "/" + label)`. The file also holds what the record
never shows (each ballot's weight and marks, the tellers' key shares): it is
a test fixture for other implementations of the products and the checks.
"""

from __future__ import annotations

import hashlib
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from voting import encrypted_record
from voting.crypto import dkg, threshold
from voting.crypto.ballots import BallotContext, encrypt_ballot
from voting.crypto.group import deterministic_rng, scalar_bytes
from voting.verify import class_labels, weight_classes, weight_text

PATH = Path(__file__).resolve().parent / "vectors" / "record.json"
SEED = "union-meetings record vectors 1"
POLL_ID = 7
TELLERS, THRESHOLD, DECRYPTING = 3, 2, [1, 3]
MARKS = (1, 1)
ABSTAIN = 2  # the motion's third option: marked alone or not at all
BALLOTS = [  # (marks of Yes, No, Abstain; weight)
    ([1, 0, 0], "1"),
    ([0, 1, 0], "1"),
    ([1, 0, 0], "1"),
    ([0, 0, 1], "1"),
    ([1, 0, 0], "2.5"),
    ([0, 1, 0], "0.75"),
]


def rng(label: str) -> Any:
    return deterministic_rng(f"{SEED}/{label}")


def voter(n: int) -> str:
    """A voter context as the server makes it: SHA-256 of poll, roll entry, nonce."""
    return "ballot:" + hashlib.sha256(f"{POLL_ID}:{100 + n}:NONCE{n}".encode()).hexdigest()


def build() -> dict[str, Any]:
    poll = encrypted_record.poll_context(POLL_ID)
    tellers, secrets, commitments, keys = [], {}, [], []
    polynomials = {}
    for i in range(1, TELLERS + 1):
        _e, key = dkg.make_transport_key(poll, i, rng=rng(f"transport/{i}"))
        draw = rng(f"polynomial/{i}")
        polynomials[i] = dkg.make_polynomial(THRESHOLD, rng=draw)
        commitments.append(dkg.commit(poll, i, polynomials[i], rng=draw))
        keys.append(key)
    for i in range(1, TELLERS + 1):
        secrets[i] = dkg.combine_shares([dkg.evaluate(polynomials[j], i) for j in polynomials])
    poll_key = dkg.election_key(commitments)
    for key, published in zip(keys, commitments, strict=True):
        i = key.index
        confirmation = dkg.confirm(poll, i, secrets[i], poll_key, rng=rng(f"confirmation/{i}"))
        tellers.append(
            {
                "index": i,
                "transport_key": key.to_json(),
                "commitments": published.to_json(),
                "confirmation": confirmation.to_json(),
            }
        )
    made = []
    for n, (marks, weight) in enumerate(BALLOTS):
        context = BallotContext(poll, voter(n))
        sealed = encrypt_ballot(
            poll_key, marks, *MARKS, context, abstain=ABSTAIN, rng=rng(f"ballot/{n}")
        )
        made.append((sealed.tracker, voter(n), sealed, marks, Decimal(weight)))
    made.sort(key=lambda b: b[0])  # tree order: by receipt
    weights = [b[4] for b in made]
    classes = weight_classes(weights)
    labels = class_labels(weights, classes)
    products = encrypted_record.products_for(classes, 3)
    units = [encrypted_record.weight_units(w) for w in weights]
    totals = encrypted_record.compute(products, [b[2].ciphertexts for b in made], labels, units)
    stated = [t for t in totals if t is not None]
    partials = {
        i: [
            threshold.partial_decrypt(
                poll, p.name, i, secrets[i], c, rng=rng(f"partial/{p.name}/{i}")
            )
            for p, c in zip(products, stated, strict=True)
        ]
        for i in DECRYPTING
    }
    values = encrypted_record.combine_totals(
        stated, partials, THRESHOLD, encrypted_record.bounds_for(products, classes)
    )
    return {
        "seed": SEED,
        "poll_id": POLL_ID,
        "classes": classes,
        "labels": labels,
        "secret": {
            "weights": [weight_text(w) for w in weights],
            "marks": [b[3] for b in made],
            "key_shares": {str(i): scalar_bytes(secrets[i]).hex() for i in sorted(secrets)},
        },
        "encrypted": {
            "poll": poll,
            "threshold": THRESHOLD,
            "public_key": poll_key.hex(),
            "fingerprint": dkg.ceremony_fingerprint(poll, THRESHOLD, keys, commitments),
            "marks": {"min": MARKS[0], "max": MARKS[1]},
            "tellers": tellers,
            "ballots": [{"receipt": b[0], "voter": b[1], "ballot": b[2].to_json()} for b in made],
            "products": [
                {"name": p.name, **c.to_json()} for p, c in zip(products, stated, strict=True)
            ],
            "partials": [
                {"index": i, "values": [d.to_json() for d in partials[i]]} for i in DECRYPTING
            ],
            "totals": [{"name": p.name, "value": v} for p, v in zip(products, values, strict=True)],
        },
    }


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        return 0 if PATH.read_text(encoding="utf-8") == text else 1
    PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
