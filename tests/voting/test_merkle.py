"""voting.merkle against a second, plain computation written from RFC 6962
section 2.1 (MTH and PATH as recursive definitions), for every tree size
from 0 to 20."""

from __future__ import annotations

import hashlib

import pytest

from voting import merkle


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    """MTH(D[n]) straight from RFC 6962 2.1."""
    n = len(d)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) straight from RFC 6962 2.1.1."""
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def entries(n: int) -> list[bytes]:
    return [f'{{"receipt":"R{i:04d}"}}'.encode() for i in range(n)]


@pytest.mark.parametrize("n", range(21))
def test_root_matches_rfc_definition(n: int) -> None:
    d = entries(n)
    assert merkle.Tree(d).root() == mth(d)
    assert merkle.Tree(d).size == n


@pytest.mark.parametrize("n", range(1, 21))
def test_every_inclusion_proof_matches_and_verifies(n: int) -> None:
    d = entries(n)
    tree = merkle.Tree(d)
    root = mth(d)
    for m in range(n):
        proof = tree.inclusion_proof(m)
        assert proof == path(m, d), (n, m)
        assert merkle.root_from_proof(m, n, merkle.leaf_hash(d[m]), proof) == root
        assert merkle.verify_inclusion(m, n, d[m], proof, root)


@pytest.mark.parametrize("n", range(1, 21))
def test_proofs_fail_for_wrong_index_leaf_or_size(n: int) -> None:
    d = entries(n)
    tree = merkle.Tree(d)
    root = tree.root()
    for m in range(n):
        proof = tree.inclusion_proof(m)
        # Another leaf at this index.
        assert not merkle.verify_inclusion(m, n, b'{"receipt":"FORGED"}', proof, root)
        # The right leaf claimed at every other index.
        for other in range(n):
            if other != m:
                assert not merkle.verify_inclusion(other, n, d[m], proof, root), (n, m, other)
        # The right leaf and path claimed for a tree of another size: refused
        # whenever that tree's path has another shape (the signed head's size
        # is what pins it; RFC 9162 2.1.3.2 binds the path's length).
        for size in range(1, 22):
            if size != n and (m >= size or len(path(m, entries(size))) != len(proof)):
                assert not merkle.verify_inclusion(m, size, d[m], proof, root), (n, m, size)
        # A path that lost or gained a step.
        if proof:
            assert not merkle.verify_inclusion(m, n, d[m], proof[:-1], root)
        assert not merkle.verify_inclusion(m, n, d[m], [*proof, sha(b"x")], root)
    # Indices outside the tree.
    assert merkle.root_from_proof(n, n, merkle.leaf_hash(d[0]), []) is None
    assert merkle.root_from_proof(-1, n, merkle.leaf_hash(d[0]), []) is None
    with pytest.raises(IndexError):
        tree.inclusion_proof(n)


def test_leaf_and_node_prefixes_differ() -> None:
    """Second-preimage protection: a leaf never hashes like a node."""
    left, right = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    assert merkle.node_hash(left, right) != merkle.leaf_hash(left + right)
    assert merkle.Tree([]).root() == sha(b"")
