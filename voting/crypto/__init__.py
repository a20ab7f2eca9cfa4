"""The cryptographic core of encrypted secret ballots (issue 21), free of
Django so that the stand-alone verifier can import it with only
`cryptography`, `rfc8785` and `rbcl` installed.

- group: ristretto255 points and scalars, encodings, hash-to-scalar
- elgamal: exponential ElGamal, homomorphic sums and weights
- proofs: disjunctive Chaum-Pedersen, DLEQ, Schnorr (Fiat-Shamir)
- ballots: an encrypted ballot with its 0/1 and count proofs
- dkg: the tellers' threshold key generation and encrypted shares
- threshold: partial decryption, Lagrange combination, bounded discrete log

The protocol, byte for byte: docs/encrypted-ballots.md. The JavaScript twin
for phones and tellers: frontend/static/frontend/elgamal.js.
"""
