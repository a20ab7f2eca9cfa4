"""RFC 6962 Merkle trees: root hashes and inclusion proofs (audit paths).

leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right); a tree
of n > 1 leaves splits at k, the largest power of two below n. Standard
library only: the stand-alone verifier uses this module as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    """A tree over a fixed list of entries; subtree hashes are computed once,
    so every inclusion proof of a large poll costs O(log n)."""

    def __init__(self, entries: Sequence[bytes]) -> None:
        self.leaves = [leaf_hash(e) for e in entries]
        self._hash = cache(self._subtree)

    @property
    def size(self) -> int:
        return len(self.leaves)

    def root(self) -> bytes:
        if not self.leaves:
            return hashlib.sha256(b"").digest()
        return self._hash(0, self.size)

    def _subtree(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return self.leaves[start]
        k = split(end - start)
        return node_hash(self._hash(start, start + k), self._hash(start + k, end))

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf `index` (RFC 6962 section 2.1.1)."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf {index} is not in a tree of {self.size}")
        path: list[bytes] = []
        start, end, m = 0, self.size, index
        # Walk down from the root, collecting siblings, then reverse.
        while end - start > 1:
            k = split(end - start)
            if m < k:
                path.append(self._hash(start + k, end))
                end = start + k
            else:
                path.append(self._hash(start, start + k))
                start, m = start + k, m - k
        return list(reversed(path))


def root_from_proof(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root that `path` proves `leaf` (a leaf hash) is at `index` under,
    or None if the path cannot belong to a tree of `size` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, entry: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    return root_from_proof(index, size, leaf_hash(entry), path) == root
