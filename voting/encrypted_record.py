"""An encrypted poll's record (docs/audit-format.md, section 11): the products
the tellers decrypt, how their totals make the poll's tally, and the check of
the whole record (ceremony, ballots, products, partial decryptions, totals).

Django-free: the server (voting.services) and the stand-alone verifier
(voting.verify, which imports this only for an encrypted poll) share it.

Products per weight class. A secret poll's entries show a ballot's weight
only in a class of at least three ballots; rarer weights are "other"
(format 3, voting.verify.weight_classes). So that anyone can recompute the
products from the published ballots, a shown class's products count its
marks (its weight is public: its part of an option's weight is weight x
count), and only the "other" class has a weighted product, which the server
computes with weights it does not publish. The verifier recomputes every
product but that one, and checks what the tellers decrypt from it as it
checks a plain poll's merged class: against its voters' weights.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from voting.crypto import dkg, elgamal
from voting.crypto.ballots import BallotContext, EncryptedBallot, verify_ballot
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import CryptoError, decode_point
from voting.crypto.proofs import Proof
from voting.crypto.threshold import DiscreteLog, PartialDecryption, combine, verify_partial

OTHER = "other"
# Weights are integers in units of 0.0001 inside the tally (encrypted-ballots.md section 3).
WEIGHT_UNIT = Decimal(10000)
VOTER = re.compile(r"^ballot:[0-9a-f]{64}$")
COUNT, OTHER_COUNT, OTHER_WEIGHT = "count", "other count", "other weight"


class RecordFault(Exception):
    """The encrypted record does not hold; the message names what and where."""


def weight_units(weight: Decimal) -> int:
    return int((Decimal(weight) * WEIGHT_UNIT).to_integral_value())


def poll_context(poll_id: int) -> str:
    """The poll's name in every proof: "poll:42"."""
    return f"poll:{poll_id}"


def marks_range(
    kind: str, min_choices: int, max_choices: int, roles: Sequence[str]
) -> tuple[int, int, int | None]:
    """How many options other than abstain an encrypted ballot marks, and the
    index of the abstain option (None without one): exactly one on a motion
    or any poll with a No option; else the poll's least and most choices.
    Abstain is marked alone or not at all (voting.crypto.ballots.count_statement),
    as voting.services.ballots.validate_choices wants of a plain ballot."""
    abstain = roles.index("abstain") if "abstain" in roles else None
    if kind == "motion" or "no" in roles:
        return 1, 1, abstain
    return min_choices, max(max_choices, 1), abstain


@dataclass(frozen=True)
class Product:
    """One product the tellers decrypt: for option `position`, the marks of a
    shown weight class (`kind` COUNT, `weight` its text), or of the "other"
    class (OTHER_COUNT), or the other class's weighted marks (OTHER_WEIGHT)."""

    name: str
    position: int
    kind: str
    weight: str | None = None


def products_of(n_options: int, shown: Sequence[str], other: bool) -> list[Product]:
    """The products of a poll in order: per option, each shown class (by
    weight), then the other class's count and weight when it has ballots."""
    out = []
    for j in range(n_options):
        out += [Product(f"option {j} class {w}", j, COUNT, w) for w in shown]
        if other:
            out += [
                Product(f"option {j} {OTHER}", j, OTHER_COUNT),
                Product(f"option {j} {OTHER} weight", j, OTHER_WEIGHT),
            ]
    return out


def products_for(classes: Mapping[str, Any], n_options: int) -> list[Product]:
    """The products for these weight classes (voting.verify.weight_classes)."""
    return products_of(
        n_options, [c["weight"] for c in classes["classes"]], bool(classes["other"]["ballots"])
    )


def bounds_for(products: Sequence[Product], classes: Mapping[str, Any]) -> list[int]:
    """The largest value each product's total may have: a class's number of
    ballots, or the other class's weight in units."""
    sizes = {c["weight"]: int(c["ballots"]) for c in classes["classes"]}
    other = classes["other"]
    out = []
    for p in products:
        if p.kind == COUNT:
            out.append(sizes[str(p.weight)])
        elif p.kind == OTHER_COUNT:
            out.append(int(other["ballots"]))
        else:
            out.append(weight_units(Decimal(other["weight"])))
    return out


def compute(
    products: Sequence[Product],
    ballots: Sequence[Sequence[Ciphertext]],
    labels: Sequence[str],
    units: Sequence[int] | None,
) -> list[Ciphertext | None]:
    """Each product from the ballots (their ciphertexts per option, their
    class labels). The other class's weighted product needs each ballot's
    weight in `units`; without them (the verifier) it is None."""
    out: list[Ciphertext | None] = []
    for p in products:
        chosen = [
            (n, b[p.position])
            for n, (b, label) in enumerate(zip(ballots, labels, strict=True))
            if label == (p.weight if p.kind == COUNT else OTHER)
        ]
        if p.kind != OTHER_WEIGHT:
            out.append(elgamal.total(c for _n, c in chosen))
        elif units is None:
            out.append(None)
        else:
            out.append(elgamal.weighted_total((units[n], c) for n, c in chosen))
    return out


def combine_totals(
    products: Sequence[Ciphertext],
    partials: Mapping[int, Sequence[PartialDecryption]],
    threshold: int,
    bounds: Sequence[int],
) -> list[int]:
    """Each product's total from the first `threshold` tellers by index
    (their partials already checked), found by baby-step giant-step up to
    its bound. CryptoError when too few tellers or a total is out of bounds."""
    tellers = sorted(partials)
    if len(tellers) < threshold:
        raise CryptoError(f"{len(tellers)} of the {threshold} tellers needed have decrypted")
    chosen = tellers[:threshold]
    solvers: dict[int, DiscreteLog] = {}
    out = []
    for n, (product, bound) in enumerate(zip(products, bounds, strict=True)):
        if bound not in solvers:  # one table per bound, shared by its products
            solvers[bound] = DiscreteLog(bound)
        out.append(solvers[bound].solve(combine(product, [partials[i][n] for i in chosen])))
    return out


@dataclass(frozen=True)
class Decrypted:
    """The tally the totals give, by option position: weight and number of
    ballots, and the other class's part of each."""

    weights: dict[int, Decimal]
    counts: dict[int, int]
    other_weights: dict[int, Decimal]
    other_counts: dict[int, int]


def tally(products: Sequence[Product], totals: Sequence[int]) -> Decrypted:
    """A shown class adds weight x count to its option; the other class its
    decrypted weight (units of 0.0001)."""
    weights: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    other_weights: dict[int, Decimal] = {}
    other_counts: dict[int, int] = {}
    for p, value in zip(products, totals, strict=True):
        j = p.position
        weights.setdefault(j, Decimal(0))
        counts.setdefault(j, 0)
        if p.kind == COUNT:
            weights[j] += Decimal(str(p.weight)) * value
            counts[j] += value
        elif p.kind == OTHER_COUNT:
            counts[j] += value
            other_counts[j] = value
        else:
            part = (Decimal(value) / WEIGHT_UNIT).quantize(Decimal("0.0001"))
            weights[j] += part
            other_weights[j] = part
    return Decrypted(weights, counts, other_weights, other_counts)


# --- the verifier's check of the record ------------------------------------------------


def _require(data: Any, key: str, kind: type, what: str) -> Any:
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RecordFault(f"{what}: missing or malformed {key!r}")
    return value


def _point(data: Mapping[str, Any], what: str) -> Ciphertext:
    return Ciphertext(
        decode_point(data.get("a"), f"{what}.a", allow_identity=True),
        decode_point(data.get("b"), f"{what}.b", allow_identity=True),
    )


@dataclass(frozen=True)
class Checked:
    """What the check of the record found: the tally, and counts for the summary."""

    decrypted: Decrypted
    tellers: int
    threshold: int
    decrypting: list[int]
    products: int
    unseen: int  # products the verifier cannot recompute (the "other" weights)
    fingerprint: str


def check_ceremony(record: Mapping[str, Any], context: str) -> tuple[bytes, dict[int, bytes], int]:
    """Every teller's transport key, commitments and confirmation hold; the
    poll key and public shares follow from the commitments; the fingerprint
    is the tellers'. Returns the poll key, the public shares and k."""
    threshold = _require(record, "threshold", int, "encrypted")
    tellers = _require(record, "tellers", list, "encrypted")
    indices = [t.get("index") if isinstance(t, Mapping) else None for t in tellers]
    if not tellers or indices != list(range(1, len(tellers) + 1)):
        raise RecordFault("ceremony: the tellers are not numbered 1 to n in order")
    if not 1 <= threshold <= len(tellers):
        raise RecordFault(f"ceremony: threshold {threshold} is not between 1 and {len(tellers)}")
    keys, commitments = [], []
    for teller in tellers:
        key = dkg.TransportKey.from_json(teller.get("transport_key"))
        published = dkg.Commitments.from_json(teller.get("commitments"))
        if key.index != teller["index"] or published.index != teller["index"]:
            raise RecordFault(f"ceremony: teller {teller['index']}'s messages name another teller")
        dkg.verify_transport_key(context, key)
        dkg.verify_commitments(context, threshold, published)
        keys.append(key)
        commitments.append(published)
    poll_key = dkg.election_key(commitments)
    if _require(record, "public_key", str, "encrypted") != poll_key.hex():
        raise RecordFault("ceremony: the poll key does not follow from the tellers' commitments")
    shares = {c.index: dkg.public_share(commitments, c.index) for c in commitments}
    for teller in tellers:
        proof = Proof.from_json(
            teller.get("confirmation"), f"teller {teller['index']} confirmation"
        )
        dkg.verify_confirmation(context, teller["index"], shares[teller["index"]], poll_key, proof)
    fingerprint = dkg.ceremony_fingerprint(context, threshold, keys, commitments)
    if record.get("fingerprint") != fingerprint:
        raise RecordFault(
            f"ceremony: the fingerprint is not the tellers' ({fingerprint} from their keys)"
        )
    return poll_key, shares, threshold


def check_ballots(
    record: Mapping[str, Any],
    context: str,
    poll_key: bytes,
    receipts: Sequence[str],
    n_options: int,
    marks: tuple[int, int, int | None],
) -> list[tuple[Ciphertext, ...]]:
    """One ballot per entry, in the entries' order: its ciphertexts give its
    receipt (the tracker), every proof holds under the poll key for its
    voter context, no two ballots share a voter context or a ciphertext."""
    ballots = _require(record, "ballots", list, "encrypted")
    if len(ballots) != len(receipts):
        raise RecordFault(f"ballots: {len(ballots)} encrypted ballots for {len(receipts)} entries")
    seen_voters: set[str] = set()
    seen_points: dict[bytes, int] = {}
    out = []
    low, high, abstain = marks
    for number, (item, receipt) in enumerate(zip(ballots, receipts, strict=True), start=1):
        what = f"ballot {number}"
        if not isinstance(item, Mapping) or item.get("receipt") != receipt:
            raise RecordFault(f"{what}: is not entry {number}'s ({receipt})")
        voter = item.get("voter")
        if not isinstance(voter, str) or not VOTER.match(voter):
            raise RecordFault(f"{what}: malformed voter context {voter!r}")
        if voter in seen_voters:
            raise RecordFault(f"{what}: its voter context is another ballot's")
        seen_voters.add(voter)
        try:
            ballot = EncryptedBallot.from_json(item.get("ballot"))
            if ballot.tracker != receipt:
                raise RecordFault(f"{what}: its ciphertexts do not give its receipt (tracker)")
            verify_ballot(
                poll_key, ballot, n_options, low, high, BallotContext(context, voter), abstain
            )
        except CryptoError as exc:
            raise RecordFault(f"{what}: {exc}") from None
        for j, c in enumerate(ballot.ciphertexts):
            if c.a in seen_points:
                raise RecordFault(
                    f"{what}: option {j} repeats a ciphertext of ballot {seen_points[c.a]} "
                    "(a replay)"
                )
            seen_points[c.a] = number
        out.append(ballot.ciphertexts)
    return out


def check_record(
    record: Any,
    *,
    poll_id: int,
    n_options: int,
    marks: tuple[int, int, int | None],
    receipts: Sequence[str],
    labels: Sequence[str],
    classes: Mapping[str, Any],
) -> Checked:
    """The whole encrypted record, in the order of docs/audit-format.md
    section 11; RecordFault naming the first fault. `receipts` and `labels`
    are the entries' (already checked), `classes` the signed weight classes
    (already checked against the roll)."""
    if not isinstance(record, Mapping):
        raise RecordFault("file: an encrypted poll's export needs its 'encrypted' record")
    context = poll_context(poll_id)
    if record.get("poll") != context:
        raise RecordFault(f"encrypted: names {record.get('poll')!r}, not {context!r}")
    if record.get("marks") != {"min": marks[0], "max": marks[1]}:
        raise RecordFault(
            f"encrypted: marks {record.get('marks')!r}, the poll allows {marks[0]} to {marks[1]}"
        )
    try:
        poll_key, shares, threshold = check_ceremony(record, context)
        ballots = check_ballots(record, context, poll_key, receipts, n_options, marks)
        products = products_for(classes, n_options)
        given = _require(record, "products", list, "encrypted")
        names = [p.get("name") if isinstance(p, Mapping) else None for p in given]
        if names != [p.name for p in products]:
            raise RecordFault(
                "products: not the products of the weight classes "
                f"(expected {[p.name for p in products]})"
            )
        stated = [_point(p, f"product {p['name']}") for p in given]
        for p, mine, theirs in zip(
            products, compute(products, ballots, labels, None), stated, strict=True
        ):
            if mine is not None and mine != theirs:
                raise RecordFault(f"product {p.name!r}: is not the product of the ballots")
        partials = check_partials(record, context, products, stated, shares)
        bounds = bounds_for(products, classes)
        try:
            totals = combine_totals(stated, partials, threshold, bounds)
        except CryptoError as exc:
            raise RecordFault(f"totals: {exc}") from None
        published = _require(record, "totals", list, "encrypted")
        if len(published) != len(products):
            raise RecordFault(f"totals: {len(published)} totals for {len(products)} products")
        for p, value, stated_total in zip(products, totals, published, strict=True):
            if stated_total != {"name": p.name, "value": value}:
                raise RecordFault(
                    f"totals: {p.name} is stated as {stated_total!r}, "
                    f"the partial decryptions give {value}"
                )
    except CryptoError as exc:
        raise RecordFault(str(exc)) from None
    return Checked(
        tally(products, totals),
        len(shares),
        threshold,
        sorted(partials)[:threshold],
        len(products),
        sum(1 for p in products if p.kind == OTHER_WEIGHT),
        str(record["fingerprint"]),
    )


def check_partials(
    record: Mapping[str, Any],
    context: str,
    products: Sequence[Product],
    stated: Sequence[Ciphertext],
    shares: Mapping[int, bytes],
) -> dict[int, list[PartialDecryption]]:
    """Every teller's partial decryptions: one per product, each proof
    holding against the teller's public share."""
    out: dict[int, list[PartialDecryption]] = {}
    for item in _require(record, "partials", list, "encrypted"):
        index = _require(item, "index", int, "partials")
        values = _require(item, "values", list, f"teller {index}")
        if index not in shares:
            raise RecordFault(f"partials: teller {index} is not one of this poll's tellers")
        if index in out:
            raise RecordFault(f"partials: teller {index} is listed twice")
        if len(values) != len(products):
            raise RecordFault(
                f"teller {index}: {len(values)} partial decryptions for {len(products)} products"
            )
        parsed = [PartialDecryption.from_json(v) for v in values]
        for p, product, partial in zip(products, stated, parsed, strict=True):
            if partial.index != index:
                raise RecordFault(f"teller {index}: a partial decryption names another teller")
            verify_partial(context, p.name, shares[index], product, partial)
        out[index] = parsed
    return out
