"""The cryptographic core of encrypted ballots (voting/crypto/): fixed
vectors, properties over random ballots and tellers, and each refusal with
its own message. No database, no Django."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from dataclasses import replace
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.servers import ROOT
from tests.voting import crypto_vectors
from voting.crypto import dkg, elgamal, threshold
from voting.crypto.backup import open_backup, seal_backup
from voting.crypto.ballots import (
    BallotContext,
    EncryptedBallot,
    ballot_digest,
    encrypt_ballot,
    option_context,
    verify_ballot,
)
from voting.crypto.elgamal import Ciphertext
from voting.crypto.group import (
    IDENTITY,
    CryptoError,
    L,
    base,
    decode_point,
    decode_scalar,
    deterministic_rng,
    scalar_bytes,
)
from voting.crypto.proofs import DisjunctiveProof, prove_values, verify_values

POLL = "poll:1"


def test_the_vector_file_is_what_the_generator_makes() -> None:
    assert crypto_vectors.PATH.read_text() == crypto_vectors.render(), (
        "run python -m tests.voting.crypto_vectors and review the change"
    )


def test_the_vectors_verify_and_decrypt_to_the_plain_sums() -> None:
    v = json.loads(crypto_vectors.PATH.read_text())
    poll, k = v["poll"], v["threshold"]
    assert (
        v["points"]["2"] == "6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919"
    )  # RFC 9496 A.1
    commitments = [dkg.Commitments.from_json(t["commitments"]) for t in v["teller_keys"]]
    key = dkg.election_key(commitments)
    assert key.hex() == v["election_key"]
    transport = [dkg.TransportKey.from_json(t["transport_key"]) for t in v["teller_keys"]]
    assert dkg.ceremony_fingerprint(poll, k, transport, commitments) == v["ceremony_fingerprint"]
    # A relayed key swapped by the server changes what the tellers compare.
    swapped = [transport[0], replace(transport[1], key=transport[0].key), transport[2]]
    assert dkg.ceremony_fingerprint(poll, k, swapped, commitments) != v["ceremony_fingerprint"]
    transport_secret = {t["index"]: decode_scalar(t["transport_secret"]) for t in v["teller_keys"]}
    for t in v["teller_keys"]:
        dkg.verify_transport_key(poll, dkg.TransportKey.from_json(t["transport_key"]))
        dkg.verify_commitments(poll, k, dkg.Commitments.from_json(t["commitments"]))
        public = decode_point(t["public_share"])
        assert public == dkg.public_share(commitments, t["index"])
        dkg.verify_confirmation(
            poll, t["index"], public, key, dkg.Proof.from_json(t["confirmation"])
        )
    received: dict[int, list[int]] = {}
    for s in v["shares"]:
        share = dkg.EncryptedShare.from_json(s)
        opened = dkg.decrypt_share(
            poll, share, transport_secret[share.recipient], commitments[share.sender - 1]
        )
        received.setdefault(share.recipient, []).append(opened)
    for t in v["teller_keys"]:
        assert scalar_bytes(dkg.combine_shares(received[t["index"]])).hex() == t["secret_share"]
    for b in v["ballots"]:
        ballot = EncryptedBallot.from_json(b["ballot"])
        verify_ballot(
            key,
            ballot,
            v["options"],
            v["min_marks"],
            v["max_marks"],
            BallotContext(poll, b["voter"]),
        )
        assert ballot.tracker == b["tracker"]
    solver = threshold.DiscreteLog(10**6)
    for option, t in enumerate(v["totals"]):
        product = elgamal.weighted_total(
            (b["weight"], EncryptedBallot.from_json(b["ballot"]).ciphertexts[option])
            for b in v["ballots"]
        )
        assert product.to_json() == t["product"]
        partials = [threshold.PartialDecryption.from_json(p) for p in t["partials"]]
        for p in partials:
            threshold.verify_partial(
                poll, t["label"], dkg.public_share(commitments, p.index), product, p
            )
        assert threshold.combine(product, partials).hex() == t["combined"]
        assert threshold.decrypt_total(product, partials, solver) == t["total"]


CORE_IMPORT = """
import sys
before = {m.split(".")[0] for m in sys.modules}
import voting.crypto.ballots, voting.crypto.dkg, voting.crypto.threshold
loaded = {m.split(".")[0] for m in sys.modules} - before - set(sys.stdlib_module_names)
print(" ".join(sorted(loaded)))
"""


def test_the_verifier_can_import_the_core_without_django() -> None:
    """Only the standard library, cryptography and rbcl (with their own
    dependencies) load: what the stand-alone verifier may need."""
    out = subprocess.run(
        [sys.executable, "-c", CORE_IMPORT], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    assert set(out) <= {
        "voting",
        "cryptography",
        "rbcl",
        "barriers",
        "_cffi_backend",
        "_openssl",
    }, out
    assert "voting" in out and "rbcl" in out


# --- encodings ------------------------------------------------------------------


def test_the_bad_encodings_of_the_vectors_are_refused() -> None:
    bad = json.loads(crypto_vectors.PATH.read_text())["bad_points"]
    assert len(bad) >= 8
    for text in bad:
        with pytest.raises(CryptoError, match="not a valid ristretto255 encoding"):
            decode_point(text, "p")


def test_points_from_outside_are_checked() -> None:
    with pytest.raises(CryptoError, match="not a valid ristretto255 encoding"):
        decode_point("ff" * 32, "a")
    with pytest.raises(CryptoError, match="identity point is not allowed"):
        decode_point(IDENTITY.hex(), "a")
    with pytest.raises(CryptoError, match="64 hexadecimal digits"):
        decode_point("zz" * 32, "a")
    # A non-canonical encoding of the generator (odd field element, RFC 9496 A.2).
    with pytest.raises(CryptoError, match="not a valid"):
        decode_point("00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "a")
    with pytest.raises(CryptoError, match="not reduced"):
        decode_scalar(L.to_bytes(32, "little"))
    assert decode_point(IDENTITY.hex(), allow_identity=True) == IDENTITY


def test_weight_zero_and_the_empty_tally_are_the_identity() -> None:
    key = base(12345)
    c, _ = elgamal.encrypt(key, 1)
    assert c.scale(0) == elgamal.ZERO
    assert elgamal.weighted_total([]) == elgamal.ZERO
    assert elgamal.weighted_total([(0, c)]) == elgamal.ZERO


# --- setup helpers ------------------------------------------------------------------


def run_dkg(n: int, k: int, poll: str = POLL) -> tuple[bytes, dict[int, int], dict[int, bytes]]:
    """A whole key generation: the poll key, each teller's x_i and H_i."""
    transport = {i: dkg.make_transport_key(poll, i) for i in range(1, n + 1)}
    polynomials = {j: dkg.make_polynomial(k) for j in transport}
    commitments = {j: dkg.commit(poll, j, polynomials[j]) for j in transport}
    secret = {}
    for i, (e_i, _) in transport.items():
        shares = []
        for j in transport:
            sealed = dkg.encrypt_share(
                poll, j, transport[i][1], polynomials[j], commitments[j].commitments
            )
            shares.append(dkg.decrypt_share(poll, sealed, e_i, commitments[j]))
        secret[i] = dkg.combine_shares(shares)
    listed = list(commitments.values())
    return dkg.election_key(listed), secret, {i: dkg.public_share(listed, i) for i in transport}


ballots_strategy = st.integers(min_value=2, max_value=4).flatmap(
    lambda n_options: st.tuples(
        st.just(n_options),
        st.lists(
            st.tuples(
                st.lists(st.integers(0, 1), min_size=n_options, max_size=n_options).filter(
                    lambda m: 1 <= sum(m) <= 2
                ),
                st.integers(min_value=0, max_value=10**6),  # weight in 0.0001 units, up to 100
            ),
            min_size=0,
            max_size=6,
        ),
    )
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tellers=st.integers(min_value=1, max_value=4).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(1, n))
    ),
    data=ballots_strategy,
)
def test_any_k_tellers_decrypt_the_weighted_sums(
    tellers: tuple[int, int], data: tuple[int, list]
) -> None:
    n, k = tellers
    n_options, cast = data
    key, secret, public = run_dkg(n, k)
    ballots = []
    for number, (marks, weight) in enumerate(cast):
        context = BallotContext(POLL, f"roll:{number}")
        ballot = encrypt_ballot(key, marks, 1, 2, context)
        verify_ballot(key, EncryptedBallot.from_json(ballot.to_json()), n_options, 1, 2, context)
        ballots.append((ballot, weight))
    solver = threshold.DiscreteLog(sum(w for _, w in cast))
    for option in range(n_options):
        product = elgamal.weighted_total((w, b.ciphertexts[option]) for b, w in ballots)
        expected = sum(w * marks[option] for marks, w in cast)
        label = f"option {option}"
        partials = {
            i: threshold.partial_decrypt(POLL, label, i, secret[i], product) for i in secret
        }
        for p in partials.values():
            threshold.verify_partial(POLL, label, public[p.index], product, p)
        for subset in combinations(sorted(partials), k):
            chosen = [partials[i] for i in subset]
            assert threshold.decrypt_total(product, chosen, solver) == expected
        if k > 1 and product != elgamal.ZERO:
            # Any k-1 partials interpolate the wrong polynomial: the result is not the total.
            for subset in combinations(sorted(partials), k - 1):
                fewer = [partials[i] for i in subset]
                assert threshold.combine(product, fewer) != base(expected)


@settings(max_examples=10, deadline=None)
@given(
    values=st.lists(st.integers(0, 50), min_size=1, max_size=5, unique=True), pick=st.integers(0, 4)
)
def test_a_disjunctive_proof_holds_only_for_its_values(values: list[int], pick: int) -> None:
    key = base(987654321)
    m = values[pick % len(values)]
    c, r = elgamal.encrypt(key, m)
    proof = prove_values(key, c, r, m, values, ["test"])
    assert verify_values(key, c, proof, values, ["test"])
    assert not verify_values(key, c, proof, values, ["other context"])
    other = [v + 51 for v in values]
    assert not verify_values(key, c, proof, other, ["test"])


def test_k_minus_one_tellers_cannot_decrypt() -> None:
    key, secret, _ = run_dkg(3, 3)
    c, _ = elgamal.encrypt(key, 7)
    partials = [threshold.partial_decrypt(POLL, "t", i, secret[i], c) for i in (1, 2)]
    with pytest.raises(CryptoError, match="not between 0 and 1000"):
        threshold.decrypt_total(c, partials, threshold.DiscreteLog(1000))
    partials.append(threshold.partial_decrypt(POLL, "t", 3, secret[3], c))
    assert threshold.decrypt_total(c, partials, threshold.DiscreteLog(1000)) == 7


def test_decrypt_totals_verifies_every_partial_and_needs_k_tellers() -> None:
    key, secret, public = run_dkg(3, 2)
    products = [
        ("option 0", elgamal.weighted_total([(10000, elgamal.encrypt(key, 1)[0])])),
        ("option 1", elgamal.ZERO),  # nobody marked it, or weights 0: the identity pair
    ]

    def answers(i: int) -> list[threshold.PartialDecryption]:
        return [threshold.partial_decrypt(POLL, label, i, secret[i], c) for label, c in products]

    solver = threshold.DiscreteLog(20000)
    assert threshold.decrypt_totals(
        POLL, products, {2: answers(2), 3: answers(3)}, public, 2, solver
    ) == [
        10000,
        0,
    ]
    with pytest.raises(CryptoError, match=r"^1 of the 2 tellers needed have decrypted$"):
        threshold.decrypt_totals(POLL, products, {1: answers(1)}, public, 2, solver)
    swapped = list(reversed(answers(1)))
    with pytest.raises(
        CryptoError, match=r"^teller 1: the proof of correct decryption of option 0"
    ):
        threshold.decrypt_totals(POLL, products, {1: swapped, 3: answers(3)}, public, 2, solver)


def test_bsgs_finds_large_totals_and_bounds() -> None:
    solver = threshold.DiscreteLog(10**8)
    for t in (0, 1, 9999, 10000, 10001, 123456789 % 10**8, 10**8):
        assert solver.solve(base(t)) == t
    with pytest.raises(CryptoError, match="not between 0 and 100000000"):
        solver.solve(base(10**8 + 1))


# --- refusals, each with its own message ----------------------------------------------


@pytest.fixture(scope="module")
def setup() -> tuple[bytes, dict[int, int], dict[int, bytes]]:
    return run_dkg(3, 2)


def test_a_tampered_01_proof_is_refused(setup: tuple) -> None:
    key = setup[0]
    context = BallotContext(POLL, "roll:1")
    ballot = encrypt_ballot(key, [0, 1, 0], 1, 1, context)
    bad = DisjunctiveProof(
        ballot.proofs[1].challenges,
        (ballot.proofs[1].responses[0] + 1, ballot.proofs[1].responses[1]),
    )
    tampered = replace(ballot, proofs=(ballot.proofs[0], bad, ballot.proofs[2]))
    with pytest.raises(
        CryptoError, match=r"^option 1: the proof that it encrypts 0 or 1 does not hold$"
    ):
        verify_ballot(key, tampered, 3, 1, 1, context)


def test_a_doubled_option_is_refused(setup: tuple) -> None:
    """A ciphertext of 2 cannot carry a 0/1 proof: a cheating phone's best try
    (the proof for 0/1 made with m = 2 in the statement {0,1,2}) fails."""
    key = setup[0]
    context = BallotContext(POLL, "roll:1")
    honest = encrypt_ballot(key, [1, 0, 0], 1, 2, context)
    two, r = elgamal.encrypt(key, 2)
    cts = (honest.ciphertexts[0], two, honest.ciphertexts[2])
    forged = prove_values(key, two, r, 2, (2, 1), option_context(context, ballot_digest(cts), 1))
    cheat = replace(honest, ciphertexts=cts, proofs=(honest.proofs[0], forged, honest.proofs[2]))
    with pytest.raises(
        CryptoError, match=r"^option 0: the proof"
    ):  # the digest changed: option 0's proof is void too
        verify_ballot(key, cheat, 3, 1, 2, context)
    # With every other proof remade for the new digest, the doubled option itself is named.
    prove = prove_values
    c0, r0 = elgamal.encrypt(key, 1)
    c2, r2 = elgamal.encrypt(key, 0)
    cts = (c0, two, c2)
    digest = ballot_digest(cts)
    proofs = (
        prove(key, c0, r0, 1, (0, 1), option_context(context, digest, 0)),
        prove(key, two, r, 2, (2, 1), option_context(context, digest, 1)),
        prove(key, c2, r2, 0, (0, 1), option_context(context, digest, 2)),
    )
    with pytest.raises(
        CryptoError, match=r"^option 1: the proof that it encrypts 0 or 1 does not hold$"
    ):
        verify_ballot(key, replace(honest, ciphertexts=cts, proofs=proofs), 3, 1, 2, context)


def test_a_ballot_with_another_number_of_options_is_refused(setup: tuple) -> None:
    key = setup[0]
    context = BallotContext(POLL, "roll:1")
    ballot = encrypt_ballot(key, [0, 1], 1, 1, context)
    with pytest.raises(CryptoError, match=r"^ballot: expected 3 options, got 2$"):
        verify_ballot(key, ballot, 3, 1, 1, context)


def test_too_many_marks_are_refused(setup: tuple) -> None:
    key = setup[0]
    context = BallotContext(POLL, "roll:1")
    with pytest.raises(ValueError, match="outside"):
        encrypt_ballot(key, [1, 1, 0], 1, 1, context)
    # A phone that proves the count for max 2 and submits it to a poll with max 1.
    ballot = encrypt_ballot(key, [1, 1, 0], 1, 2, context)
    with pytest.raises(
        CryptoError,
        match=r"^ballot: the proof that between 1 and 1 options are marked does not hold$",
    ):
        verify_ballot(key, ballot, 3, 1, 1, context)


def test_a_ballot_replayed_under_another_roll_entry_is_refused(setup: tuple) -> None:
    key = setup[0]
    ballot = encrypt_ballot(key, [0, 0, 1], 1, 1, BallotContext(POLL, "roll:1"))
    verify_ballot(key, ballot, 3, 1, 1, BallotContext(POLL, "roll:1"))
    with pytest.raises(
        CryptoError, match=r"^option 0: the proof that it encrypts 0 or 1 does not hold$"
    ):
        verify_ballot(key, ballot, 3, 1, 1, BallotContext(POLL, "roll:2"))
    with pytest.raises(CryptoError, match=r"^option 0: the proof"):
        verify_ballot(key, ballot, 3, 1, 1, BallotContext("poll:2", "roll:1"))


def test_a_partial_decryption_with_a_wrong_proof_fails(setup: tuple) -> None:
    key, secret, public = setup
    c, _ = elgamal.encrypt(key, 1)
    good = threshold.partial_decrypt(POLL, "option 0", 2, secret[2], c)
    threshold.verify_partial(POLL, "option 0", public[2], c, good)
    # A teller that sends a wrong value with its proof of the right one…
    wrong_value = replace(good, value=base(5))
    with pytest.raises(
        CryptoError, match=r"^teller 2: the proof of correct decryption of option 0 does not hold$"
    ):
        threshold.verify_partial(POLL, "option 0", public[2], c, wrong_value)
    # …or its proof for another total, or under another teller's public share.
    with pytest.raises(CryptoError, match="teller 2: the proof of correct decryption of option 1"):
        threshold.verify_partial(POLL, "option 1", public[2], c, good)
    with pytest.raises(CryptoError, match="teller 2: the proof of correct decryption"):
        threshold.verify_partial(POLL, "option 0", public[1], c, good)


def test_a_share_not_matching_the_commitments_is_refused() -> None:
    transport = {i: dkg.make_transport_key(POLL, i) for i in (1, 2)}
    poly = dkg.make_polynomial(2)
    published = dkg.commit(POLL, 1, poly)
    other_poly = [poly[0], (poly[1] + 1) % L]  # a cheating teller shares another polynomial
    sealed = dkg.encrypt_share(POLL, 1, transport[2][1], other_poly, published.commitments)
    with pytest.raises(
        CryptoError, match=r"^share from teller 1: does not match the teller's commitments$"
    ):
        dkg.decrypt_share(POLL, sealed, transport[2][0], published)
    honest = dkg.encrypt_share(POLL, 1, transport[2][1], poly, published.commitments)
    assert base(
        dkg.decrypt_share(POLL, honest, transport[2][0], published)
    ) == dkg.expected_share_point(published.commitments, 2)
    # A share read with the wrong key, or relayed with other commitments, does not open.
    with pytest.raises(CryptoError, match=r"^share from teller 1: could not be opened"):
        dkg.decrypt_share(POLL, honest, transport[1][0], published)
    moved = dkg.commit(POLL, 1, other_poly)
    with pytest.raises(CryptoError, match="could not be opened"):
        dkg.decrypt_share(POLL, honest, transport[2][0], moved)


def test_teller_proofs_of_knowledge_are_bound(setup: tuple) -> None:
    _, transport = dkg.make_transport_key(POLL, 1)
    dkg.verify_transport_key(POLL, transport)
    with pytest.raises(CryptoError, match="teller 1: the proof of knowledge of the transport key"):
        dkg.verify_transport_key("poll:2", transport)
    published = dkg.commit(POLL, 2, dkg.make_polynomial(2))
    dkg.verify_commitments(POLL, 2, published)
    with pytest.raises(CryptoError, match="expected 3 commitments"):
        dkg.verify_commitments(POLL, 3, published)
    # Copying another teller's commitments (a rogue key) fails under one's own index.
    with pytest.raises(CryptoError, match="teller 3: the proof of knowledge of the key part"):
        dkg.verify_commitments(POLL, 2, replace(published, index=3))


def test_a_backup_code_restores_the_share_only_with_its_passphrase() -> None:
    v = json.loads(crypto_vectors.PATH.read_text())
    b, poll = v["backup"], v["poll"]
    teller = {t["index"]: t for t in v["teller_keys"]}
    share = decode_scalar(teller[1]["secret_share"])
    public = decode_point(teller[1]["public_share"])
    assert seal_backup(poll, 1, share, b["passphrase"], salt=bytes.fromhex(b["salt"])) == b["code"]
    assert open_backup(b["code"], poll, 1, b["passphrase"], public_share=public) == share
    # Case, spaces and dashes do not matter; the passphrase is NFKC-normalised.
    typed = b["code"].lower().replace("-", " ")
    assert open_backup(typed, poll, 1, unicodedata.normalize("NFD", b["passphrase"])) == share
    assert open_backup(b["code"], poll, 1, b["passphrase"].replace("\ufb01", "fi")) == share
    with pytest.raises(CryptoError, match=r"^backup: wrong passphrase, or the code is for another"):
        open_backup(b["code"], poll, 1, b["passphrase"] + "!")
    with pytest.raises(
        CryptoError, match="wrong passphrase, or the code is for another poll or teller"
    ):
        open_backup(b["code"], poll, 2, b["passphrase"])
    with pytest.raises(
        CryptoError, match="wrong passphrase, or the code is for another poll or teller"
    ):
        open_backup(b["code"], "poll:8", 1, b["passphrase"])
    with pytest.raises(CryptoError, match=r"^backup: not a backup code$"):
        open_backup(b["code"][:-5], poll, 1, b["passphrase"])
    with pytest.raises(CryptoError, match=r"^backup: not a backup code$"):
        open_backup("0000-1111", poll, 1, b["passphrase"])
    with pytest.raises(
        CryptoError, match=r"^backup: the share does not match this teller's public"
    ):
        open_backup(
            b["code"],
            poll,
            1,
            b["passphrase"],
            public_share=decode_point(teller[2]["public_share"]),
        )
    fresh = seal_backup(poll, 1, share, "another")
    assert fresh != seal_backup(poll, 1, share, "another")  # a fresh salt each time
    assert open_backup(fresh, poll, 1, "another") == share


def test_deterministic_rng_is_reproducible() -> None:
    a, b = deterministic_rng("x"), deterministic_rng("x")
    assert [a() for _ in range(3)] == [b() for _ in range(3)]


def test_malformed_ballots_are_refused_with_a_message() -> None:
    with pytest.raises(CryptoError, match="ballot: expected an object"):
        EncryptedBallot.from_json({"options": "x"})
    with pytest.raises(CryptoError, match=r"option 0.a: expected 64 hexadecimal digits"):
        EncryptedBallot.from_json({"options": [{"a": "00", "b": "00"}], "count_proof": {}})
    with pytest.raises(CryptoError, match="count proof: too many branches"):
        DisjunctiveProof.from_json(
            {"challenges": ["00" * 32] * 258, "responses": []}, "count proof"
        )
    with pytest.raises(CryptoError, match=r"ciphertext.b"):
        Ciphertext.from_json({"a": base(1).hex(), "b": "ff" * 32})
